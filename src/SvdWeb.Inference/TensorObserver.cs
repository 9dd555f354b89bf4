namespace SvdWeb.Inference;

/// <summary>
/// Receives each named intermediate tensor of a run (row-major float32; float16 packs give their half values widened).
/// The names are those of the golden files in tests/fixtures/golden/pipeline (e.g. "image_embeds", "step0_unet_out",
/// "decode_chunk1_in"), so a run can be compared stage by stage with diffusers. Called synchronously; copy what you keep.
/// </summary>
public delegate void TensorObserver(string name, ReadOnlySpan<float> values, ReadOnlySpan<int> shape);
