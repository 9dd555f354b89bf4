using SvdWeb.Cli.Accounts;
using SvdWeb.Cli.Backup;
using SvdWeb.Inference;
using SvdWeb.Inference.Video;
using SvdWeb.TestSupport;

namespace SvdWeb.Cli.Tests;

/// <summary>
/// The CLI's one catch: every refusal the CLI and the library throw exits with the code its status class gives (1 for
/// the command's input, 2 for the machine's tools and device), the codes the CLI had before the base existed. A new
/// <see cref="UserFacingException"/> fails the coverage test until it is listed here.
/// </summary>
public sealed class CliErrorsTests
{
    public static TheoryData<UserFacingException, int> Refusals => new()
    {
        { new SvdInputException("numFrames", "--frames must be between 2 and 25, but is 40."), 1 },
        { new ModelPackException("models/tiny", "unet.onnx is missing."), 1 },
        { new BackupException("'backups/svdweb.db' already exists. Choose another FILE, or add --force."), 1 },
        { new AccountStoreException("An account named 'alice' already exists."), 1 },
        { new SvdWeb.Cli.Postgres.GalleryCopyException("The target database already holds 3 jobs. Copy into an empty database, or add --force."), 1 },
        { new FfmpegException("ffmpeg was not found."), 2 },
        { new GpuOutOfMemoryException("UNet", new InvalidOperationException("CUDA out of memory")), 2 },
    };

    [Fact]
    public void Table_CoversEveryUserFacingExceptionOfTheCliAndTheLibrary()
    {
        var listed = Refusals.Select(row => row.Data.Item1.GetType()).OrderBy(t => t.FullName, StringComparer.Ordinal);

        Assert.Equal(DerivedTypes.ConcreteOf(typeof(UserFacingException), typeof(UserFacingException).Assembly, typeof(CliErrors).Assembly), listed);
    }

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task Thrown_ExitsWithItsCode(UserFacingException refusal, int exitCode)
    {
        var code = await CliErrors.RunAsync(() => throw refusal);

        Assert.Equal(exitCode, code);
    }
}
