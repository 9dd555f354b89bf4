using SvdWeb.Inference.Onnx;

namespace SvdWeb.Inference.Loop;

/// <summary>The two sessions of <see cref="DenoisingGraphs"/> for one <see cref="DenoisingShape"/>, on the pack's device.</summary>
internal sealed class DenoisingGlue : IDisposable
{
    public DenoisingGlue(SessionFactory factory, DenoisingShape shape)
    {
        Prepare = new OnnxModel(factory, DenoisingGraphs.Prepare(shape), "denoising loop (prepare)");
        try
        {
            Step = new OnnxModel(factory, DenoisingGraphs.Step(shape), "denoising loop (step)");
        }
        catch
        {
            Prepare.Dispose();
            throw;
        }
    }

    public OnnxModel Prepare { get; }

    public OnnxModel Step { get; }

    public void Dispose()
    {
        Prepare.Dispose();
        Step.Dispose();
    }
}
