using System.Globalization;
using System.Text.Json;
using SvdWeb.Inference.Rng;
using SvdWeb.TestSupport;

namespace SvdWeb.Inference.Tests.Rng;

/// <summary>
/// torch 1.13.1 (AVX2) goldens of fixtures/golden/randn: <c>torch.manual_seed(seed); torch.randn(shape, dtype)</c>.
/// Paths come from manifest.json's randn section. Comparisons are of bits: the goldens are exact torch output.
/// </summary>
public sealed class TorchGeneratorGoldenTests
{
    public static TheoryData<string> RandnCaseNames()
    {
        var names = new TheoryData<string>();
        foreach (var randnCase in RandnSection.GetProperty("cases").EnumerateArray())
        {
            // The sequence pair is drawn in a row from one seeding: Randn_SequenceSeed42_MatchesBothDrawsInARow.
            var name = randnCase.GetProperty("name").GetString()!;
            if (!name.StartsWith("sequence_", StringComparison.Ordinal))
                names.Add(name);
        }
        return names;
    }

    public static TheoryData<string> ScalarKernelCaseNames()
    {
        var names = new TheoryData<string>();
        foreach (var variant in RandnSection.GetProperty("scalar_kernel_variant").GetProperty("cases").EnumerateArray())
        {
            if (variant.TryGetProperty("file", out _))
                names.Add(variant.GetProperty("name").GetString()!);
        }
        return names;
    }

    [Theory]
    [MemberData(nameof(RandnCaseNames))]
    public void Randn_ManifestCase_MatchesTorchBits(string name)
    {
        var randnCase = FindCase(RandnSection.GetProperty("cases"), name);
        var expected = Fixtures.Golden(randnCase.GetProperty("file").GetString()!);
        var generator = new TorchGenerator(SeedOf(name));

        var actual = randnCase.GetProperty("dtype").GetString() switch
        {
            "float32" => DrawFloat(generator, (int)expected.Length),
            "float16" => DrawHalfWidened(generator, (int)expected.Length, HalfRandnMode.Legacy),
            var other => throw new InvalidOperationException($"Unexpected randn dtype '{other}' in the manifest."),
        };

        // A float16 golden widened to float32 keeps its bits distinguishable (widening is exact and injective).
        TensorAssert.BitExact(name, expected.ToFloat32(), expected.Shape, actual);
    }

    [Fact]
    public void Randn_SequenceSeed42_MatchesBothDrawsInARow()
    {
        // What the pipeline draws from one generator: the noise-augmentation noise, then the initial latents.
        var noiseFile = FindCase(RandnSection.GetProperty("cases"), "sequence_seed42_0_1x3x64x128").GetProperty("file").GetString()!;
        var latentsFile = FindCase(RandnSection.GetProperty("cases"), "sequence_seed42_1_1x6x4x8x16").GetProperty("file").GetString()!;
        var expectedNoise = Fixtures.Golden(noiseFile);
        var expectedLatents = Fixtures.Golden(latentsFile);
        var generator = new TorchGenerator(42);

        var noise = DrawFloat(generator, (int)expectedNoise.Length);
        var latents = DrawFloat(generator, (int)expectedLatents.Length);

        TensorAssert.BitExact("sequence_seed42_noise", expectedNoise.ToFloat32(), expectedNoise.Shape, noise);
        TensorAssert.BitExact("sequence_seed42_latents", expectedLatents.ToFloat32(), expectedLatents.Shape, latents);
    }

    [Theory]
    [MemberData(nameof(ScalarKernelCaseNames))]
    public void Randn_ScalarKernelGolden_DiffersAsManifestSays(string name)
    {
        // We reproduce torch's AVX2 kernel (Inference README §6.5), not its libm one (ATEN_CPU_CAPABILITY=default): our
        // values must equal the main golden and differ from the scalar-kernel file in exactly the recorded elements.
        var variant = FindCase(RandnSection.GetProperty("scalar_kernel_variant").GetProperty("cases"), name);
        var scalarKernel = Fixtures.Golden(variant.GetProperty("file").GetString()!).ToFloat32();
        var main = Fixtures.Golden(FindCase(RandnSection.GetProperty("cases"), name).GetProperty("file").GetString()!).ToFloat32();
        var actual = DrawFloat32Case(name, main.Length);

        Assert.Equal(BitsOf(main), BitsOf(actual));
        var differing = 0;
        for (var i = 0; i < actual.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(actual[i]) != BitConverter.SingleToInt32Bits(scalarKernel[i]))
                differing++;
        }
        Assert.Equal(variant.GetProperty("elements_differing_from_main").GetInt32(), differing);
        Assert.True(differing > 0, $"{name}: the scalar-kernel file should differ from the AVX2 values somewhere.");
    }

    [Fact]
    public void Randn_Seed7AndGoldenSeed2Pow40Plus7_GiveTheSameValues()
    {
        // Only the low 32 bits seed the engine (Inference README §6.1): 2^40 + 7 ≡ 7.
        var expected = Fixtures.Golden(FindCase(RandnSection.GetProperty("cases"), "seed1099511627783_float32_2x3x17x9").GetProperty("file").GetString()!);

        var actual = DrawFloat(new TorchGenerator(7), (int)expected.Length);

        TensorAssert.BitExact("seed7_as_2^40+7", expected.ToFloat32(), expected.Shape, actual);
    }

    /// <summary>A float32 case as torch drew it; the second sequence draw comes after the first one.</summary>
    private static float[] DrawFloat32Case(string name, int count)
    {
        if (!name.StartsWith("sequence_seed42_", StringComparison.Ordinal))
            return DrawFloat(new TorchGenerator(SeedOf(name)), count);
        var generator = new TorchGenerator(42);
        if (name.StartsWith("sequence_seed42_1_", StringComparison.Ordinal))
        {
            var first = FindCase(RandnSection.GetProperty("cases"), "sequence_seed42_0_1x3x64x128");
            DrawFloat(generator, first.GetProperty("shape").EnumerateArray().Aggregate(1, (n, d) => n * d.GetInt32()));
        }
        return DrawFloat(generator, count);
    }

    /// <summary>"seed1099511627783_float32_5" → 1099511627783.</summary>
    private static ulong SeedOf(string caseName) =>
        ulong.Parse(caseName["seed".Length..caseName.IndexOf('_', StringComparison.Ordinal)], CultureInfo.InvariantCulture);

    private static JsonElement RandnSection => Fixtures.Manifest.GetProperty("randn");

    private static JsonElement FindCase(JsonElement cases, string name)
    {
        foreach (var candidate in cases.EnumerateArray())
        {
            if (candidate.GetProperty("name").GetString() == name)
                return candidate;
        }
        throw new InvalidOperationException($"No randn case named '{name}' in manifest.json.");
    }

    private static float[] DrawFloat(TorchGenerator generator, int count)
    {
        var values = new float[count];
        generator.Randn(values);
        return values;
    }

    private static float[] DrawHalfWidened(TorchGenerator generator, int count, HalfRandnMode mode)
    {
        var halves = new Half[count];
        generator.Randn(halves, mode);
        return Array.ConvertAll(halves, h => (float)h);
    }

    private static int[] BitsOf(float[] values) => Array.ConvertAll(values, BitConverter.SingleToInt32Bits);
}
