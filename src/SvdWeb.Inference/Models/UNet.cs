using SvdWeb.Inference.Onnx;

namespace SvdWeb.Inference.Models;

/// <summary>
/// The spatio-temporal UNet, with its four inputs and one output held for a whole run so the denoising loop reuses
/// the same buffers (and the same OrtValues) every step:
/// <c>sample</c> [Bu,F,8,h,w] (frames before channels), <c>timestep</c> [Bu], <c>encoder_hidden_states</c> [Bu,1,P],
/// <c>added_time_ids</c> [Bu,3] → <c>out_sample</c> [Bu,F,4,h,w]. Bu is 2·videos with guidance, else videos.
/// </summary>
internal sealed class UNet(OnnxModel model)
{
    public const string SampleName = "sample", TimestepName = "timestep", EncoderHiddenStatesName = "encoder_hidden_states",
        AddedTimeIdsName = "added_time_ids", OutputName = "out_sample";

    private static readonly string[] InputNames = [SampleName, TimestepName, EncoderHiddenStatesName, AddedTimeIdsName];

    public Run StartRun(int batch, int frames, int latentChannels, int latentHeight, int latentWidth, int embedDim) =>
        new(model, batch, frames, latentChannels, latentHeight, latentWidth, embedDim);

    /// <summary>The sample's element type: the pack dtype in which diffusers keeps latents (float16 in fp16 packs).</summary>
    public bool IsHalf => model.InputType(SampleName) == Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Float16;

    internal sealed class Run : IDisposable
    {
        private readonly OnnxModel _model;
        private readonly OrtTensor[] _inputs;
        private readonly OrtTensor[] _outputs;

        public Run(OnnxModel model, int batch, int frames, int latentChannels, int latentHeight, int latentWidth, int embedDim)
        {
            _model = model;
            // sample: [batch, frames, 2·latentChannels, h, w]: noisy latents in channels 0..3, image latents in 4..7.
            Sample = new OrtTensor(model.InputType(SampleName), batch, frames, 2 * latentChannels, latentHeight, latentWidth);
            Timestep = new OrtTensor(model.InputType(TimestepName), batch);
            EncoderHiddenStates = new OrtTensor(model.InputType(EncoderHiddenStatesName), batch, 1, embedDim);
            AddedTimeIds = new OrtTensor(model.InputType(AddedTimeIdsName), batch, 3);
            // out_sample: [batch, frames, latentChannels, h, w]
            NoisePred = new OrtTensor(model.OutputType(OutputName), batch, frames, latentChannels, latentHeight, latentWidth);
            _inputs = [Sample, Timestep, EncoderHiddenStates, AddedTimeIds];
            _outputs = [NoisePred];
        }

        public OrtTensor Sample { get; }

        public OrtTensor Timestep { get; }

        public OrtTensor EncoderHiddenStates { get; }

        public OrtTensor AddedTimeIds { get; }

        public OrtTensor NoisePred { get; }

        public void Predict(float timestep, CancellationToken ct)
        {
            // diffusers passes a 0-d timestep that the model broadcasts to the batch; the graph takes it repeated.
            Timestep.Values.AsSpan().Fill(timestep);
            _model.Run(InputNames, _inputs, [OutputName], _outputs, ct);
        }

        public void Dispose()
        {
            foreach (var tensor in _inputs) tensor.Dispose();
            foreach (var tensor in _outputs) tensor.Dispose();
        }
    }
}
