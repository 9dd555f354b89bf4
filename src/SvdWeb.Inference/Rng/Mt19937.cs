using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace SvdWeb.Inference.Rng;

/// <summary>
/// The MT19937 engine behind torch's CPU generator (Inference README §6.2; torch
/// aten/src/ATen/core/MT19937RNGEngine.h). Words come out in exactly torch's order. Bulk reads temper straight
/// into the caller's buffer, and the twist runs 8 lanes at a time where Vector256 is accelerated: all of it is
/// integer arithmetic, so the vector and scalar code give the same words.
/// </summary>
internal sealed class Mt19937
{
    internal const int StateSize = 624;
    private const int MiddleOffset = 397;
    private const uint MatrixA = 0x9908B0DF;
    private const uint UpperMask = 0x80000000;
    private const uint LowerMask = 0x7FFFFFFF;

    private readonly uint[] _state = new uint[StateSize];

    // Index of the next state word to temper; StateSize means "twist first". torch keeps left = 1, next = 0 after
    // seeding (so it twists before the very first output); _next = StateSize is the same thing.
    private int _next;

    public Mt19937(uint seed) => Seed(seed);

    public void Seed(uint seed)
    {
        // init_genrand: st[j] = 1812433253 * (st[j-1] ^ (st[j-1] >> 30)) + j, uint32 wraparound.
        _state[0] = seed;
        for (var j = 1; j < StateSize; j++)
        {
            var previous = _state[j - 1];
            _state[j] = unchecked((1812433253u * (previous ^ (previous >> 30))) + (uint)j);
        }
        _next = StateSize;
    }

    public uint NextUInt32()
    {
        if (_next == StateSize)
            Twist();
        return Temper(_state[_next++]);
    }

    /// <summary>Fills <paramref name="destination"/> with the next destination.Length words, in order.</summary>
    public void Fill(Span<uint> destination)
    {
        while (!destination.IsEmpty)
        {
            if (_next == StateSize)
                Twist();
            var count = Math.Min(destination.Length, StateSize - _next);
            TemperRange(_state.AsSpan(_next, count), destination[..count]);
            _next += count;
            destination = destination[count..];
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Temper(uint y)
    {
        y ^= y >> 11;
        y ^= (y << 7) & 0x9D2C5680;
        y ^= (y << 15) & 0xEFC60000;
        y ^= y >> 18;
        return y;
    }

    private static void TemperRange(ReadOnlySpan<uint> source, Span<uint> destination)
    {
        var i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            ref var src = ref MemoryMarshal.GetReference(source);
            ref var dst = ref MemoryMarshal.GetReference(destination);
            var maskB = Vector256.Create(0x9D2C5680u);
            var maskC = Vector256.Create(0xEFC60000u);
            for (; i + Vector256<uint>.Count <= source.Length; i += Vector256<uint>.Count)
            {
                var y = Vector256.LoadUnsafe(ref src, (nuint)i);
                y ^= Vector256.ShiftRightLogical(y, 11);
                y ^= Vector256.ShiftLeft(y, 7) & maskB;
                y ^= Vector256.ShiftLeft(y, 15) & maskC;
                y ^= Vector256.ShiftRightLogical(y, 18);
                y.StoreUnsafe(ref dst, (nuint)i);
            }
        }
        for (; i < source.Length; i++)
            destination[i] = Temper(source[i]);
    }

    /// <summary>
    /// Regenerates all 624 words in place, in index order: st[k] uses the old st[k+1] and st[(k+397) % 624], which is
    /// already the new value once k ≥ 227. Lanes k..k+7 only read words that the scalar order would have given them
    /// (k+1..k+8 not yet rewritten; k±397 either all old or all already rewritten), so the vector blocks stay inside
    /// 0..223 and 227..615 and the seams run scalar.
    /// </summary>
    private void Twist()
    {
        var state = _state;
        var k = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            ref var st = ref MemoryMarshal.GetArrayDataReference(state);
            for (; k + 8 <= StateSize - MiddleOffset - 3; k += 8)   // k = 0..216: reads up to st[k+404] = st[620]
                TwistVector(ref st, k, k + MiddleOffset);
            for (; k < StateSize - MiddleOffset; k++)
                TwistOne(state, k);
            for (; k + 8 <= StateSize - 1; k += 8)                   // k = 227..615: reads st[k+1..k+8] ≤ st[623]
                TwistVector(ref st, k, k - (StateSize - MiddleOffset));
        }
        for (; k < StateSize; k++)
            TwistOne(state, k);
        _next = 0;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TwistOne(uint[] state, int k)
    {
        var following = state[k + 1 == StateSize ? 0 : k + 1];
        var mixed = (state[k] & UpperMask) | (following & LowerMask);
        var middle = state[k + MiddleOffset < StateSize ? k + MiddleOffset : k + MiddleOffset - StateSize];
        state[k] = middle ^ (mixed >> 1) ^ ((following & 1) != 0 ? MatrixA : 0);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TwistVector(ref uint st, int k, int middleIndex)
    {
        var current = Vector256.LoadUnsafe(ref st, (nuint)k);
        var following = Vector256.LoadUnsafe(ref st, (nuint)(k + 1));
        var middle = Vector256.LoadUnsafe(ref st, (nuint)middleIndex);
        var mixed = (current & Vector256.Create(UpperMask)) | (following & Vector256.Create(LowerMask));
        var oddMask = Vector256<uint>.Zero - (following & Vector256<uint>.One);   // all ones where odd
        var result = middle ^ Vector256.ShiftRightLogical(mixed, 1) ^ (oddMask & Vector256.Create(MatrixA));
        result.StoreUnsafe(ref st, (nuint)k);
    }
}
