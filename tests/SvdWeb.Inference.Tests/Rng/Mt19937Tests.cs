using SvdWeb.Inference.Rng;

namespace SvdWeb.Inference.Tests.Rng;

public sealed class Mt19937Tests
{
    [Theory]
    [InlineData(0u)]
    [InlineData(42u)]
    [InlineData(4294967295u)]
    public void Fill_AcrossManyTwists_MatchesTextbookMt19937(uint seed)
    {
        // The vector twist and bulk tempering against a plain transcription of Inference README §6.2, over 8 twists,
        // with reads of odd lengths so that chunks straddle the twist points.
        var expected = TextbookWords(seed, 5000);
        var engine = new Mt19937(seed);
        var actual = new uint[5000];
        var position = 0;
        foreach (var length in new[] { 1, 623, 2, 700, 31, 1248, 5, 2389 })
        {
            engine.Fill(actual.AsSpan(position, length));
            position += length;
        }
        actual[^1] = engine.NextUInt32();

        Assert.Equal(4999, position);
        Assert.Equal(expected, actual);
    }

    private static uint[] TextbookWords(uint seed, int count)
    {
        var st = new uint[624];
        st[0] = seed;
        for (var j = 1; j < 624; j++)
            st[j] = unchecked((1812433253u * (st[j - 1] ^ (st[j - 1] >> 30))) + (uint)j);
        var words = new uint[count];
        var next = 624;
        for (var i = 0; i < count; i++)
        {
            if (next == 624)
            {
                for (var k = 0; k < 624; k++)
                {
                    var m = (st[k] & 0x80000000u) | (st[(k + 1) % 624] & 0x7FFFFFFFu);
                    st[k] = st[(k + 397) % 624] ^ (m >> 1) ^ ((st[(k + 1) % 624] & 1) != 0 ? 0x9908B0DFu : 0u);
                }
                next = 0;
            }
            var y = st[next++];
            y ^= y >> 11;
            y ^= (y << 7) & 0x9D2C5680u;
            y ^= (y << 15) & 0xEFC60000u;
            y ^= y >> 18;
            words[i] = y;
        }
        return words;
    }
}
