using System.Text;
using SvdWeb.TestSupport;

namespace SvdWeb.Inference.Tests.Models;

/// <summary>
/// A copy of the tiny pack in a fresh temp folder, named "tiny-svd" like the original, for tests that break it.
/// Deleted on dispose.
/// </summary>
internal sealed class TempPackCopy : IDisposable
{
    private readonly string _root;

    public TempPackCopy()
    {
        _root = Path.Combine(Path.GetTempPath(), "svdweb-pack-tests", Guid.NewGuid().ToString("N"));
        Folder = Path.Combine(_root, "tiny-svd");
        foreach (var source in Directory.EnumerateFiles(Fixtures.TinyPack, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(Folder, Path.GetRelativePath(Fixtures.TinyPack, source));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(source, target);
        }
    }

    public string Folder { get; }

    public string PathOf(string relativePath) => Path.Combine(Folder, relativePath);

    public void Delete(string relativePath) => File.Delete(PathOf(relativePath));

    public void WriteText(string relativePath, string text) => File.WriteAllText(PathOf(relativePath), text);

    /// <summary>Replaces one JSON text fragment in a file; fails when the fragment is not there, so a test cannot silently break nothing.</summary>
    public void ReplaceText(string relativePath, string oldText, string newText)
    {
        var text = File.ReadAllText(PathOf(relativePath));
        Assert.Contains(oldText, text, StringComparison.Ordinal);
        File.WriteAllText(PathOf(relativePath), text.Replace(oldText, newText, StringComparison.Ordinal));
    }

    /// <summary>
    /// Replaces every occurrence of an ASCII string in a binary file with another of the same length, which keeps every
    /// protobuf length prefix valid. Returns how many were replaced.
    /// </summary>
    public int ReplaceBytes(string relativePath, string oldText, string newText)
    {
        Assert.Equal(oldText.Length, newText.Length);
        var bytes = File.ReadAllBytes(PathOf(relativePath));
        byte[] from = Encoding.ASCII.GetBytes(oldText), to = Encoding.ASCII.GetBytes(newText);
        var count = 0;
        for (var i = bytes.AsSpan().IndexOf(from); i >= 0;)
        {
            to.CopyTo(bytes, i);
            count++;
            var next = bytes.AsSpan(i + from.Length).IndexOf(from);
            i = next < 0 ? -1 : i + from.Length + next;
        }
        File.WriteAllBytes(PathOf(relativePath), bytes);
        return count;
    }

    /// <summary>Keeps only the first <paramref name="fraction"/> of a file.</summary>
    public void Truncate(string relativePath, double fraction)
    {
        using var stream = new FileStream(PathOf(relativePath), FileMode.Open, FileAccess.ReadWrite);
        stream.SetLength((long)(stream.Length * fraction));
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
            // Already gone: nothing to clean up.
        }
        try
        {
            // The shared parent goes when the last copy does; another test's copy still in use keeps it.
            Directory.Delete(Path.GetDirectoryName(_root)!, recursive: false);
        }
        catch (IOException)
        {
            // Not empty (another copy is alive) or already deleted.
        }
    }
}
