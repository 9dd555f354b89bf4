using System.Globalization;
using Xunit.Sdk;

namespace SvdWeb.TestSupport;

/// <summary>
/// Whole-array comparisons for golden tests. A failure names the stage, the worst element (index, expected,
/// actual), max abs error, max rel error (relative to the largest |expected|, the fixtures README's definition) and
/// mean abs error, and saves the actual array under TestResults/actual/ for inspection with numpy.
/// </summary>
public static class TensorAssert
{
    public static void Close(string stage, NpyArray expected, ReadOnlySpan<float> actual, float maxAbs, float maxRel = float.PositiveInfinity) =>
        Close(stage, expected.ToFloat32(), expected.Shape, actual, maxAbs, maxRel);

    public static void Close(string stage, ReadOnlySpan<float> expected, int[] shape, ReadOnlySpan<float> actual, float maxAbs, float maxRel = float.PositiveInfinity)
    {
        if (expected.Length != actual.Length)
            throw new XunitException($"{stage}: expected {expected.Length} values (shape [{string.Join(",", shape)}]), got {actual.Length}.");

        double worst = 0, sum = 0, scale = 0;
        var worstIndex = -1;
        var nonFinite = 0;
        for (var i = 0; i < expected.Length; i++)
        {
            scale = Math.Max(scale, Math.Abs(expected[i]));
            if (!float.IsFinite(actual[i])) { nonFinite++; worstIndex = i; worst = double.PositiveInfinity; continue; }
            var diff = Math.Abs((double)expected[i] - actual[i]);
            sum += diff;
            if (diff > worst && !double.IsPositiveInfinity(worst)) { worst = diff; worstIndex = i; }
        }
        var rel = scale > 0 ? worst / scale : worst;
        if (nonFinite == 0 && worst <= maxAbs && rel <= maxRel) return;

        var file = SaveActual(stage, actual, shape);
        throw new XunitException(string.Create(CultureInfo.InvariantCulture,
            $"{stage} [{string.Join(",", shape)}]: max abs error {worst:G4} (allowed {maxAbs:G4}), max rel error {rel:G4} " +
            $"(allowed {maxRel:G4}), mean abs error {sum / expected.Length:G4}, {nonFinite} non-finite; worst at " +
            $"{FormatIndex(worstIndex, shape)}: expected {expected[worstIndex]:R}, actual {actual[worstIndex]:R}. Actual saved to {file}."));
    }

    /// <summary>Exact equality of float32 bit patterns (a -0/+0 or NaN payload difference counts as a difference).</summary>
    public static void BitExact(string stage, ReadOnlySpan<float> expected, int[] shape, ReadOnlySpan<float> actual)
    {
        if (expected.Length != actual.Length)
            throw new XunitException($"{stage}: expected {expected.Length} values (shape [{string.Join(",", shape)}]), got {actual.Length}.");
        var differing = 0;
        var first = -1;
        for (var i = 0; i < expected.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(actual[i])) continue;
            if (first < 0) first = i;
            differing++;
        }
        if (differing == 0) return;
        var file = SaveActual(stage, actual, shape);
        throw new XunitException(string.Create(CultureInfo.InvariantCulture,
            $"{stage} [{string.Join(",", shape)}]: {differing} of {expected.Length} values differ in their bits; first at " +
            $"{FormatIndex(first, shape)}: expected {expected[first]:R} (0x{BitConverter.SingleToInt32Bits(expected[first]):X8}), " +
            $"actual {actual[first]:R} (0x{BitConverter.SingleToInt32Bits(actual[first]):X8}). Actual saved to {file}."));
    }

    /// <summary>uint8 images: at most <paramref name="maxLevels"/> apart everywhere, and at most <paramref name="maxDiffering"/> values differing.</summary>
    public static void Close(string stage, ReadOnlySpan<byte> expected, int[] shape, ReadOnlySpan<byte> actual, int maxLevels, long maxDiffering)
    {
        if (expected.Length != actual.Length)
            throw new XunitException($"{stage}: expected {expected.Length} values (shape [{string.Join(",", shape)}]), got {actual.Length}.");
        var worst = 0;
        var worstIndex = 0;
        long differing = 0;
        for (var i = 0; i < expected.Length; i++)
        {
            var diff = Math.Abs(expected[i] - actual[i]);
            if (diff == 0) continue;
            differing++;
            if (diff > worst) { worst = diff; worstIndex = i; }
        }
        if (worst <= maxLevels && differing <= maxDiffering) return;
        var file = SaveActual(stage, actual, shape);
        throw new XunitException(
            $"{stage} [{string.Join(",", shape)}]: {differing} of {expected.Length} values differ (allowed {maxDiffering}), by up to " +
            $"{worst} levels (allowed {maxLevels}); worst at {FormatIndex(worstIndex, shape)}: expected {expected[worstIndex]}, " +
            $"actual {actual[worstIndex]}. Actual saved to {file}.");
    }

    private static string FormatIndex(int flat, int[] shape)
    {
        if (flat < 0) return "-";
        var index = new int[shape.Length];
        for (var d = shape.Length - 1; d >= 0; d--)
        {
            index[d] = flat % shape[d];
            flat /= shape[d];
        }
        return $"[{string.Join(",", index)}]";
    }

    private static string SaveActual(string stage, ReadOnlySpan<float> actual, int[] shape)
    {
        var path = ActualPath(stage);
        Npy.Save(path, actual, shape);
        return path;
    }

    private static string SaveActual(string stage, ReadOnlySpan<byte> actual, int[] shape)
    {
        var path = ActualPath(stage);
        Npy.Save(path, actual, shape);
        return path;
    }

    private static string ActualPath(string stage)
    {
        var folder = Path.Combine(Fixtures.RepoRoot, "TestResults", "actual");
        Directory.CreateDirectory(folder);
        var safe = string.Concat(stage.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' ? c : '_'));
        return Path.Combine(folder, safe + ".npy");
    }
}
