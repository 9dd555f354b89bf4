using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace SvdWeb.Inference.Rng;

/// <summary>
/// A CPU <c>torch.Generator</c>: <c>manual_seed(seed)</c> then <c>randn(shape, dtype)</c> / <c>uniform_</c> give
/// torch's values bit for bit (Inference README §6; x86-64 Linux torch, AVX2 kernel for float32). Shape does not
/// matter, only the number of values, so every draw takes a flat span of numel elements in C order.
/// Not thread-safe: like torch's generator it is one stream, and draws must happen in the pipeline's order (the
/// noise-augmentation noise first, then the initial latents).
/// </summary>
public sealed class TorchGenerator
{
    private const int BlockSize = Float32BoxMuller.BlockSize;

    // Draws of numel ≥ 16 fill and transform this many values at a time. All uniforms of a draw are still consumed
    // in index order before the tail block, so chunking changes nothing but cache locality.
    private const int ChunkSize = 4096;
    private const int WordChunkSize = 256;

    private readonly Mt19937 _engine;

    // torch's next_double_normal_sample: the r·sin θ that the serial numel < 16 path keeps for its next value.
    private double? _nextDoubleNormal;

    /// <summary>Same as <c>torch.Generator().manual_seed(seed)</c>. Only the low 32 bits of the seed seed MT19937, so
    /// 2^32 + 7 gives the same numbers as 7.</summary>
    public TorchGenerator(ulong seed)
    {
        _engine = new Mt19937(unchecked((uint)seed));
        InitialSeed = seed;
    }

    /// <summary>The seed as torch's <c>initial_seed()</c> reports it (all 64 bits, aliases included).</summary>
    public ulong InitialSeed { get; private set; }

    /// <summary>A generator seeded like a Python int given to torch: negative seeds are two's complement (−1 ≡ 2^64 − 1).</summary>
    public static TorchGenerator FromSeed(long seed) => new(unchecked((ulong)seed));

    /// <summary>Reseeds (torch <c>manual_seed</c>) and clears the cached double normal of the numel &lt; 16 path.</summary>
    public void ManualSeed(ulong seed)
    {
        _engine.Seed(unchecked((uint)seed));
        _nextDoubleNormal = null;
        InitialSeed = seed;
    }

    /// <summary>The next MT19937 word (torch <c>random()</c>).</summary>
    public uint NextUInt32() => _engine.NextUInt32();

    /// <summary>Two words, the first one the high half (torch <c>random64()</c>).</summary>
    public ulong NextUInt64()
    {
        var high = _engine.NextUInt32();
        var low = _engine.NextUInt32();
        return ((ulong)high << 32) | low;
    }

    /// <summary>
    /// <c>torch.randn(numel, dtype=torch.float32)</c>. numel ≥ 16: the AVX2 block Box–Muller of README §6.5, one word
    /// per value plus 16 when numel is not a multiple of 16. numel &lt; 16: the serial double path of README §6.4 (two
    /// 64-bit draws per pair of values, the second value cached in this generator).
    /// </summary>
    public void Randn(Span<float> destination)
    {
        if (destination.Length < BlockSize)
        {
            for (var i = 0; i < destination.Length; i++)
                destination[i] = (float)NextDoubleNormal();
            return;
        }
        var whole = destination.Length - (destination.Length % BlockSize);
        for (var start = 0; start < whole; start += ChunkSize)
        {
            var chunk = destination.Slice(start, Math.Min(ChunkSize, whole - start));
            FillUniform24(chunk);
            Float32BoxMuller.TransformBlocks(chunk);
        }
        if (whole != destination.Length)
        {
            // The N % 16 leftover uniforms are drawn, then the last 16 values are redrawn as one block (overlapping
            // the last whole block), so those leftover words are consumed but never used.
            FillUniform24(destination[whole..]);
            Span<float> tail = stackalloc float[BlockSize];
            FillUniform24(tail);
            Float32BoxMuller.TransformBlocks(tail);
            tail.CopyTo(destination[^BlockSize..]);
        }
    }

    /// <summary>
    /// <c>torch.randn(numel, dtype=torch.float16)</c> as the given torch generation computes it (README §6.6). Defaults
    /// to <see cref="HalfRandnMode.Legacy"/>, the algorithm of the fixtures' torch 1.13. numel &lt; 16 takes the serial
    /// double path in both modes.
    /// </summary>
    public void Randn(Span<Half> destination, HalfRandnMode mode = HalfRandnMode.Legacy)
    {
        if (destination.Length < BlockSize)
        {
            // static_cast<Half>(double) goes through float.
            for (var i = 0; i < destination.Length; i++)
                destination[i] = (Half)(float)NextDoubleNormal();
            return;
        }
        switch (mode)
        {
            case HalfRandnMode.Legacy:
                RandnHalfLegacy(destination);
                break;
            case HalfRandnMode.New:
                RandnHalfNew(destination);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(mode), mode, "Expected HalfRandnMode.Legacy or HalfRandnMode.New.");
        }
    }

    /// <summary>
    /// <c>torch.randn(numel, dtype=torch.float64)</c> (README §6.7): 53-bit uniforms, one 64-bit draw per value, and
    /// the block Box–Muller in double with the platform's libm (torch uses glibc; results can differ in the last bit on
    /// another libm). SVD never draws float64.
    /// </summary>
    public void Randn(Span<double> destination)
    {
        if (destination.Length < BlockSize)
        {
            for (var i = 0; i < destination.Length; i++)
                destination[i] = NextDoubleNormal();
            return;
        }
        FillUniform53(destination);
        var whole = destination.Length - (destination.Length % BlockSize);
        TransformBlocksDouble(destination[..whole]);
        if (whole != destination.Length)
        {
            Span<double> tail = stackalloc double[BlockSize];
            FillUniform53(tail);
            TransformBlocksDouble(tail);
            tail.CopyTo(destination[^BlockSize..]);
        }
    }

    /// <summary><c>tensor.uniform_()</c> on float32: (word &amp; 0xFFFFFF)·2^−24 per value, in [0, 1), one word each.</summary>
    public void Uniform(Span<float> destination) => FillUniform24(destination);

    /// <summary>README §6.3: the low 24 bits of one word per value, times 2^−24 (exact), in place over the words.</summary>
    private void FillUniform24(Span<float> destination)
    {
        var words = MemoryMarshal.Cast<float, uint>(destination);
        _engine.Fill(words);
        const float TwoToMinus24 = 1f / 16777216f;
        var i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            ref var w = ref MemoryMarshal.GetReference(words);
            ref var d = ref MemoryMarshal.GetReference(destination);
            for (; i + Vector256<uint>.Count <= words.Length; i += Vector256<uint>.Count)
            {
                var low24 = (Vector256.LoadUnsafe(ref w, (nuint)i) & Vector256.Create(0xFFFFFFu)).AsInt32();
                (Vector256.ConvertToSingle(low24) * Vector256.Create(TwoToMinus24)).StoreUnsafe(ref d, (nuint)i);
            }
        }
        for (; i < words.Length; i++)
            destination[i] = (int)(words[i] & 0xFFFFFF) * TwoToMinus24;
    }

    /// <summary>README §6.3 for double: (random64() &amp; (2^53 − 1))·2^−53, the first word the high half.</summary>
    private void FillUniform53(Span<double> destination)
    {
        var words = MemoryMarshal.Cast<double, uint>(destination);
        _engine.Fill(words);
        const double TwoToMinus53 = 1.0 / 9007199254740992.0;
        for (var i = 0; i < destination.Length; i++)
        {
            var bits = ((ulong)words[2 * i] << 32) | words[(2 * i) + 1];   // read both words before overwriting them
            destination[i] = (long)(bits & ((1UL << 53) - 1)) * TwoToMinus53;
        }
    }

    private void RandnHalfLegacy(Span<Half> destination)
    {
        // The 11-bit keys are parked in the destination's own 16-bit slots and replaced by the values in place.
        var keys = MemoryMarshal.Cast<Half, ushort>(destination);
        FillLow11Bits(keys);
        var whole = keys.Length - (keys.Length % BlockSize);
        LegacyHalfBoxMuller.TransformBlocks(keys[..whole]);
        if (whole != keys.Length)
        {
            Span<ushort> tail = stackalloc ushort[BlockSize];
            FillLow11Bits(tail);
            LegacyHalfBoxMuller.TransformBlocks(tail);
            tail.CopyTo(keys[^BlockSize..]);
        }
    }

    private void FillLow11Bits(Span<ushort> destination)
    {
        Span<uint> words = stackalloc uint[WordChunkSize];
        for (var start = 0; start < destination.Length; start += WordChunkSize)
        {
            var count = Math.Min(WordChunkSize, destination.Length - start);
            _engine.Fill(words[..count]);
            var target = destination.Slice(start, count);
            for (var i = 0; i < count; i++)
                target[i] = (ushort)(words[i] & LegacyHalfBoxMuller.KeyMask);
        }
    }

    private void RandnHalfNew(Span<Half> destination)
    {
        // New torch: for each 16-block, 16 float uniforms, the float32 kernel, then a cast. Consecutive whole blocks
        // consume consecutive words, so a chunk of blocks is the same; the tail block is drawn right after them.
        Span<float> scratch = stackalloc float[ChunkSize];
        var whole = destination.Length - (destination.Length % BlockSize);
        for (var start = 0; start < whole; start += ChunkSize)
        {
            var chunk = scratch[..Math.Min(ChunkSize, whole - start)];
            FillUniform24(chunk);
            Float32BoxMuller.TransformBlocks(chunk);
            TensorPrimitives.ConvertToHalf(chunk, destination.Slice(start, chunk.Length));
        }
        if (whole != destination.Length)
        {
            var tail = scratch[..BlockSize];
            FillUniform24(tail);
            Float32BoxMuller.TransformBlocks(tail);
            TensorPrimitives.ConvertToHalf(tail, destination[^BlockSize..]);
        }
    }

    /// <summary>
    /// torch's at::normal_distribution&lt;double&gt; (T-DH @v1.13.1): a cached value if there is one, otherwise u1, u2
    /// from two 64-bit draws, r = sqrt(−2 ln(1 − u2)), θ = 2π·u1; returns r·cos θ and caches r·sin θ. The final
    /// "·std + mean" = "+ 0" turns −0 into +0. Newer torch writes log1p(−u2); the fixtures' 1.13 used log(1 − u2).
    /// </summary>
    private double NextDoubleNormal()
    {
        if (_nextDoubleNormal is { } cached)
        {
            _nextDoubleNormal = null;
            return cached + 0.0;
        }
        var u1 = NextUniform53();
        var u2 = NextUniform53();
        var radius = Math.Sqrt(-2.0 * Math.Log(1.0 - u2));
        var theta = 2.0 * Math.PI * u1;
        _nextDoubleNormal = radius * Math.Sin(theta);
        return (radius * Math.Cos(theta)) + 0.0;
    }

    private double NextUniform53() => (long)(NextUInt64() & ((1UL << 53) - 1)) * (1.0 / 9007199254740992.0);

    /// <summary>torch's scalar normal_fill_16 in double (README §6.7): libm log/cos/sin, θ = 2π_double·u2.</summary>
    private static void TransformBlocksDouble(Span<double> data)
    {
        for (var b = 0; b < data.Length; b += BlockSize)
        {
            var block = data.Slice(b, BlockSize);
            for (var j = 0; j < BlockSize / 2; j++)
            {
                var u1 = 1.0 - block[j];
                var u2 = block[j + 8];
                var radius = Math.Sqrt(-2.0 * Math.Log(u1));
                var theta = 2.0 * Math.PI * u2;
                block[j] = (radius * Math.Cos(theta)) + 0.0;
                block[j + 8] = (radius * Math.Sin(theta)) + 0.0;
            }
        }
    }
}
