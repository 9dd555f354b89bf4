using BenchmarkDotNet.Attributes;
using SvdWeb.Inference.Rng;

namespace SvdWeb.Benchmarks.Rng;

/// <summary>
/// The two draws of a 576x1024 SVD run (Inference README §6.8): the [1,3,576,1024] noise (1,769,472 values) and the
/// latents [1,F,4,72,128] for 14 frames (516,096) and 25 frames (921,600). Target: the 25-frame float32 latents well
/// under 50 ms. The kernel pair compares the Box–Muller alone (uniforms copied in, then transformed in place).
/// </summary>
[MemoryDiagnoser]
public class TorchGeneratorBenchmark
{
    private readonly TorchGenerator _generator = new(42);
    private float[] _floats = [];
    private Half[] _halves = [];
    private float[] _uniforms = [];

    [Params(14 * 4 * 72 * 128, 25 * 4 * 72 * 128, 3 * 576 * 1024)]
    public int Numel { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _floats = new float[Numel];
        _halves = new Half[Numel];
        _uniforms = new float[Numel];
        new TorchGenerator(42).Uniform(_uniforms);
    }

    [Benchmark(Baseline = true)]
    public void RandnFloat32()
    {
        _generator.ManualSeed(42);
        _generator.Randn(_floats);
    }

    [Benchmark]
    public void RandnHalfLegacy()
    {
        _generator.ManualSeed(42);
        _generator.Randn(_halves, HalfRandnMode.Legacy);
    }

    [Benchmark]
    public void RandnHalfNew()
    {
        _generator.ManualSeed(42);
        _generator.Randn(_halves, HalfRandnMode.New);
    }

    [Benchmark]
    public void UniformFloat32()
    {
        _generator.ManualSeed(42);
        _generator.Uniform(_floats);
    }

    [Benchmark]
    public void BoxMullerKernelVector()
    {
        _uniforms.CopyTo(_floats, 0);
        Float32BoxMuller.TransformBlocksVector(_floats);
    }

    [Benchmark]
    public void BoxMullerKernelScalar()
    {
        _uniforms.CopyTo(_floats, 0);
        Float32BoxMuller.TransformBlocksScalar(_floats);
    }
}

// Baseline, --job short, 2026-11-25 (BenchmarkDotNet v0.15.8, Debian 12, AMD EPYC 2.10GHz 2 cores, .NET 10.0.12,
// RyuJIT x86-64-v4, CPU only). Mean, no allocations in any method:
//   Numel       RandnFloat32  RandnHalfLegacy  RandnHalfNew  UniformFloat32  BoxMullerVector  BoxMullerScalar
//   516,096       0.48 ms        1.74 ms          0.54 ms       0.18 ms          0.39 ms          6.6 ms
//   921,600       0.90 ms        3.17 ms          1.01 ms       0.32 ms          0.69 ms         11.7 ms
//   1,769,472     1.86 ms        6.50 ms          2.43 ms       0.61 ms          1.31 ms         22.4 ms
