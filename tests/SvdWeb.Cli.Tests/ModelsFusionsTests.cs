using System.Text;
using SvdWeb.TestSupport;

namespace SvdWeb.Cli.Tests;

/// <summary><c>svdweb models</c> lists each graph's fused operators, and <c>--check-fusions</c> refuses one that cannot
/// run on this machine's provider.</summary>
public sealed class ModelsFusionsTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("svdweb-fusions-").FullName;

    [Fact]
    public async Task Models_TinyPackWithCheckFusions_ListsFusedOperatorsAndPasses()
    {
        var run = await CliProcess.RunAsync(Fixtures.RepoRoot, null, TestContext.Current.CancellationToken, "models", "--check-fusions");

        Assert.True(run.ExitCode == 0, run.StandardOutput + run.StandardError);
        Assert.Contains("  Fused operators: image encoder: MultiHeadAttention 2; UNet: MultiHeadAttention 24", run.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("  Fusions: every fused operator runs on ", run.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Models_UNetWithAnOperatorNoProviderRuns_ListsItAndCheckFusionsExitsOne()
    {
        var pack = Path.Combine(_work, "odd-fusion");
        foreach (var source in Directory.EnumerateFiles(Fixtures.TinyPack, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(pack, Path.GetRelativePath(Fixtures.TinyPack, source));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(source, target);
        }
        var unet = Path.Combine(pack, "unet", "model.onnx");
        File.WriteAllBytes(unet, WithExtraNode(File.ReadAllBytes(unet), "NhwcFusedConv", "com.microsoft"));

        var listed = await CliProcess.RunAsync(_work, null, TestContext.Current.CancellationToken, "models", _work);
        var checkedRun = await CliProcess.RunAsync(_work, null, TestContext.Current.CancellationToken, "models", _work, "--check-fusions");

        Assert.True(listed.ExitCode == 0, listed.StandardOutput + listed.StandardError);
        Assert.Contains("UNet: MultiHeadAttention 24, NhwcFusedConv 1", listed.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(1, checkedRun.ExitCode);
        Assert.Contains("  Fusions: 1 graph(s) cannot run on ", checkedRun.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("the UNet graph uses com.microsoft NhwcFusedConv (1 node)", checkedRun.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("--no-optimize", checkedRun.StandardOutput, StringComparison.Ordinal);
    }

    /// <summary>The model with one more node (no inputs, one unused output) appended to its graph (onnx.proto3:
    /// ModelProto 7 graph; GraphProto 1 node; NodeProto 2 output, 3 name, 4 op_type, 7 domain).</summary>
    private static byte[] WithExtraNode(byte[] model, string opType, string domain)
    {
        var node = new MemoryStream();
        WriteString(node, 2, "svdweb_test_unused");
        WriteString(node, 3, "svdweb_test_node");
        WriteString(node, 4, opType);
        WriteString(node, 7, domain);
        var output = new MemoryStream();
        var position = 0;
        while (position < model.Length)
        {
            var start = position;
            var key = ReadVarint(model, ref position);
            var wire = (int)(key & 7);
            if (wire != 2)
            {
                // varint, fixed64 or fixed32: copied as they are
                if (wire == 0) ReadVarint(model, ref position);
                else position += wire == 1 ? 8 : 4;
                output.Write(model, start, position - start);
                continue;
            }
            var length = (int)ReadVarint(model, ref position);
            if (key >> 3 == 7)
            {
                var graph = new MemoryStream();
                graph.Write(model, position, length);
                WriteBytes(graph, 1, node.ToArray());
                WriteBytes(output, 7, graph.ToArray());
            }
            else
            {
                output.Write(model, start, position + length - start);
            }
            position += length;
        }
        return output.ToArray();
    }

    private static ulong ReadVarint(byte[] bytes, ref int position)
    {
        ulong value = 0;
        for (var shift = 0; ; shift += 7)
        {
            var b = bytes[position++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80) return value;
        }
    }

    private static void WriteVarint(Stream stream, ulong value)
    {
        while (value >= 0x80)
        {
            stream.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }
        stream.WriteByte((byte)value);
    }

    private static void WriteBytes(Stream stream, int field, byte[] payload)
    {
        WriteVarint(stream, ((ulong)field << 3) | 2);
        WriteVarint(stream, (ulong)payload.Length);
        stream.Write(payload);
    }

    private static void WriteString(Stream stream, int field, string text) => WriteBytes(stream, field, Encoding.UTF8.GetBytes(text));

    public void Dispose() => Directory.Delete(_work, recursive: true);
}
