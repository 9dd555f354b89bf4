using Microsoft.ML.OnnxRuntime.Tensors;
using SvdWeb.Inference.Onnx;

namespace SvdWeb.Inference.Models;

/// <summary>
/// The spatio-temporal UNet, with its four inputs and one output held for a whole run so the denoising loop reuses
/// the same buffers (and the same OrtValues) every step:
/// <c>sample</c> [Bu,F,8,h,w] (frames before channels), <c>timestep</c> [Bu], <c>encoder_hidden_states</c> [Bu,1,P],
/// <c>added_time_ids</c> [Bu,3] → <c>out_sample</c> [Bu,F,4,h,w]. Bu is 2·videos with guidance, else videos.
/// The tensors are bound under the names the graph uses (<paramref name="io"/>), and the timestep is [1] instead of
/// [Bu] when <paramref name="timestepShape"/> says the graph takes one for the whole batch (the TensorRT repo's export).
/// </summary>
internal sealed class UNet(OnnxModel model, IoMapping io, TimestepShape timestepShape)
{
    public const string SampleName = "sample", TimestepName = "timestep", EncoderHiddenStatesName = "encoder_hidden_states",
        AddedTimeIdsName = "added_time_ids", OutputName = "out_sample";

    private readonly OnnxModel _model = model;
    private readonly TimestepShape _timestepShape = timestepShape;

    // In the order of Run's input tensors.
    private readonly string[] _inputNames = [io.Input(SampleName), io.Input(TimestepName), io.Input(EncoderHiddenStatesName), io.Input(AddedTimeIdsName)];
    private readonly string _outputName = io.Output(OutputName);

    /// <summary>The session, for the device-resident loop's I/O binding.</summary>
    public OnnxModel Model => _model;

    /// <summary>The graph's names for sample, timestep, encoder_hidden_states and added_time_ids, in that order.</summary>
    public IReadOnlyList<string> InputNames => _inputNames;

    public string OutputNameInGraph => _outputName;

    public TensorElementType SampleType => _model.InputType(_inputNames[0]);

    public TensorElementType TimestepType => _model.InputType(_inputNames[1]);

    public TensorElementType NoisePredType => _model.OutputType(_outputName);

    public TensorElementType EncoderHiddenStatesType => _model.InputType(_inputNames[2]);

    public TensorElementType AddedTimeIdsType => _model.InputType(_inputNames[3]);

    public bool TimestepPerRow => _timestepShape != TimestepShape.One;

    public Run StartRun(int batch, int frames, int latentChannels, int latentHeight, int latentWidth, int embedDim) =>
        new(this, batch, frames, latentChannels, latentHeight, latentWidth, embedDim);

    /// <summary>The sample's element type: the pack dtype in which diffusers keeps latents (float16 in fp16 packs).</summary>
    public bool IsHalf => SampleType == TensorElementType.Float16;

    internal sealed class Run : IDisposable
    {
        private readonly OnnxModel _model;
        private readonly string[] _inputNames;
        private readonly string[] _outputNames;
        private readonly OrtTensor[] _inputs;
        private readonly OrtTensor[] _outputs;

        public Run(UNet unet, int batch, int frames, int latentChannels, int latentHeight, int latentWidth, int embedDim)
        {
            var model = unet._model;
            _model = model;
            _inputNames = unet._inputNames;
            _outputNames = [unet._outputName];
            // sample: [batch, frames, 2·latentChannels, h, w]: noisy latents in channels 0..3, image latents in 4..7.
            Sample = new OrtTensor(model.InputType(_inputNames[0]), batch, frames, 2 * latentChannels, latentHeight, latentWidth);
            // timestep: [batch], or [1] for a graph that broadcasts one timestep to the batch itself.
            Timestep = new OrtTensor(model.InputType(_inputNames[1]), unet._timestepShape == TimestepShape.One ? 1 : batch);
            EncoderHiddenStates = new OrtTensor(model.InputType(_inputNames[2]), batch, 1, embedDim);
            AddedTimeIds = new OrtTensor(model.InputType(_inputNames[3]), batch, 3);
            // out_sample: [batch, frames, latentChannels, h, w]
            NoisePred = new OrtTensor(model.OutputType(unet._outputName), batch, frames, latentChannels, latentHeight, latentWidth);
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
            // diffusers passes a 0-d timestep that the model broadcasts to the batch; the graph takes it repeated, or
            // once when it broadcasts it itself. Either way every row sees the same value.
            Timestep.Values.AsSpan().Fill(timestep);
            _model.Run(_inputNames, _inputs, _outputNames, _outputs, ct);
        }

        public void Dispose()
        {
            foreach (var tensor in _inputs) tensor.Dispose();
            foreach (var tensor in _outputs) tensor.Dispose();
        }
    }
}
