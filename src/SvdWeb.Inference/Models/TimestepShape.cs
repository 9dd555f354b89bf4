namespace SvdWeb.Inference.Models;

/// <summary>The shape of the UNet's <c>timestep</c> input, set by svdweb.json <c>io.unet.timestep_shape</c>.</summary>
public enum TimestepShape
{
    /// <summary>"batch" (the default): [Bu], the step's timestep repeated for every batch row, as diffusers' export takes it.</summary>
    Batch,

    /// <summary>
    /// "one": [1], one value for the whole batch, as the TensorRT repo's SVD export takes it (its graph broadcasts the
    /// timestep to the batch itself, as diffusers' UNet does with a 0-d timestep).
    /// </summary>
    One,
}
