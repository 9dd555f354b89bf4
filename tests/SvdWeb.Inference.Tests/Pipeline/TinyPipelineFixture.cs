using SvdWeb.Inference.Models;
using SvdWeb.Inference.Onnx;
using SvdWeb.TestSupport;

namespace SvdWeb.Inference.Tests.Pipeline;

/// <summary>
/// The tiny pack loaded once for a test class, on CPU with one thread per operator: the ONNX Runtime settings the
/// fixtures' own ORT checks used (golden/manifest.json → onnxruntime.session).
/// </summary>
public sealed class TinyPipelineFixture : IDisposable
{
    public TinyPipelineFixture()
    {
        Pack = ModelPack.Load(Fixtures.TinyPack);
        Pipeline = SvdPipeline.Load(Pack, new ExecutionSettings(ExecutionDevice.Cpu, IntraOpNumThreads: 1));
    }

    public ModelPack Pack { get; }

    public SvdPipeline Pipeline { get; }

    public void Dispose() => Pipeline.Dispose();
}
