using System.Security.Cryptography;
using SvdWeb.TestSupport;

namespace SvdWeb.Inference.Tests;

public sealed class FixtureCopyTests
{
    [Fact]
    public void ProjectCopy_MatchesSharedSha256Sums()
    {
        // The project keeps its own copy so a fresh clone tests without ../shared; when shared/ is beside the repo,
        // the copy must still be byte-identical to what its checksums list (every file, tiny pack included).
        var shared = Fixtures.SharedFixtures;
        Assert.SkipWhen(shared is null, "../shared/fixtures is not beside this clone.");
        var mismatches = new List<string>();
        var count = 0;
        foreach (var line in File.ReadLines(Path.Combine(shared!, "SHA256SUMS")))
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            var hash = line[..64];
            var relative = line[64..].TrimStart(' ', '*');
            count++;
            string local;
            try { local = Fixtures.File(relative); }
            catch (FileNotFoundException) { mismatches.Add($"{relative}: missing from the project copy"); continue; }
            using var stream = File.OpenRead(local);
            var actual = Convert.ToHexStringLower(SHA256.HashData(stream));
            if (actual != hash) mismatches.Add($"{relative}: sha256 {actual}, shared lists {hash}");
        }
        Assert.True(count > 200, $"SHA256SUMS lists only {count} files.");
        Assert.True(mismatches.Count == 0, "Project fixture copy differs from ../shared/fixtures:\n" + string.Join("\n", mismatches));
    }

    [Fact]
    public void ProjectCopy_OwnChecksumsFileMatchesItsFiles()
    {
        // Runs on a fresh clone too: tests/fixtures/SHA256SUMS is the shared list, so the copy checks itself.
        foreach (var line in File.ReadLines(Fixtures.File("SHA256SUMS")).Where(l => l.Length > 66))
        {
            var relative = line[64..].TrimStart(' ', '*');
            using var stream = File.OpenRead(Fixtures.File(relative));
            Assert.Equal(line[..64], Convert.ToHexStringLower(SHA256.HashData(stream)));
        }
    }
}
