using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using SvdWeb.Inference.Onnx;

namespace SvdWeb.Inference.Tests.Onnx;

/// <summary>
/// Runs a small graph holding one fused com.microsoft node on the real CPU ONNX Runtime, after the app's
/// <see cref="FusedOperatorDecomposition"/>: what a fused pack's node computes on the CPU provider.
/// </summary>
internal static class FusedGraphRunner
{
    public sealed record Feed(string Name, float[] Values, long[] Shape, TensorElementType Type = TensorElementType.Float);

    /// <summary>The decomposed graph's outputs, as float32, in the order of <paramref name="outputs"/>.</summary>
    public static float[][] RunDecomposed(byte[] model, bool half, Feed[] inputs, (string Name, long[] Shape, TensorElementType Type)[] outputs)
    {
        var editor = OnnxModelEditor.Parse(model);
        var replaced = FusedOperatorDecomposition.Apply(editor, half);
        Assert.Equal(1, replaced.Values.Sum());
        Assert.DoesNotContain(editor.Nodes, n => n.Domain == FusedOperatorKernels.MicrosoftDomain);

        using var options = new SessionOptions { LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR, IntraOpNumThreads = 1 };
        using var session = new InferenceSession(editor.Serialize(), options);
        var feeds = inputs.Select(i =>
        {
            var tensor = new OrtTensor(i.Type, i.Shape);
            i.Values.CopyTo(tensor.Values, 0);
            tensor.CopyToOrt();
            return tensor;
        }).ToList();
        var fetches = outputs.Select(o => new OrtTensor(o.Type, o.Shape)).ToList();
        try
        {
            using var run = new RunOptions();
            session.Run(run, inputs.Select(i => i.Name).ToArray(), feeds.Select(f => f.Value).ToArray(),
                outputs.Select(o => o.Name).ToArray(), fetches.Select(f => f.Value).ToArray());
            foreach (var fetch in fetches) fetch.CopyFromOrt();
            return fetches.Select(f => f.Values.ToArray()).ToArray();
        }
        finally
        {
            foreach (var tensor in feeds.Concat(fetches)) tensor.Dispose();
        }
    }

    public static float[] Random(int seed, int count, float scale = 1f)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => (float)((random.NextDouble() * 2 - 1) * scale)).ToArray();
    }

    public static void AssertClose(float[] expected, float[] actual, double tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        var worst = 0.0;
        var at = -1;
        for (var i = 0; i < expected.Length; i++)
        {
            var difference = Math.Abs(expected[i] - (double)actual[i]) / Math.Max(1.0, Math.Abs(expected[i]));
            if (difference > worst) (worst, at) = (difference, i);
        }
        Assert.True(worst <= tolerance, $"value {at}: expected {(at < 0 ? 0 : expected[at]):R}, got {(at < 0 ? 0 : actual[at]):R} (difference {worst:E2} > {tolerance:E2})");
    }
}
