using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using SvdWeb.Options;
using SvdWeb.TestSupport;

namespace SvdWeb.Tests.Options;

public sealed class SvdWebOptionsValidatorTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("svdweb-options-").FullName;

    private SvdWebOptions Valid(Action<SvdWebOptions>? change = null)
    {
        var options = new SvdWebOptions { ModelsFolder = Path.Combine(Fixtures.RepoRoot, "models"), DataFolder = _data };
        change?.Invoke(options);
        return options;
    }

    private static string Failure(SvdWebOptions options)
    {
        var result = new SvdWebOptionsValidator(new RepoEnvironment()).Validate(null, options);
        Assert.True(result.Failed, "Expected a validation failure.");
        return result.FailureMessage;
    }

    [Fact]
    public void Validate_RepositoryDefaults_Succeeds()
    {
        Assert.True(new SvdWebOptionsValidator(new RepoEnvironment()).Validate(null, Valid()).Succeeded);
    }

    [Theory]
    [InlineData(ServerRole.Web, "web")]
    [InlineData(ServerRole.Worker, "worker")]
    public void Validate_SplitRoleOnSqlite_RefusedNamingPostgresOrRoleAll(ServerRole role, string name)
    {
        var message = Failure(Valid(o => o.Role = role));

        Assert.Contains($"SvdWeb:Role is {name}, which shares the queue with other processes, but SvdWeb:Database:Provider is sqlite", message, StringComparison.Ordinal);
        Assert.Contains("SvdWeb__Database__Provider=postgres", message, StringComparison.Ordinal);
        Assert.Contains("SvdWeb__Role=all", message, StringComparison.Ordinal);
        Assert.True(new SvdWebOptionsValidator(new RepoEnvironment()).Validate(null, Valid(o =>
        {
            o.Role = role;
            o.Database = new DatabaseOptions { Provider = DatabaseProvider.Postgres, ConnectionString = "Host=db;Database=svdweb" };
        })).Succeeded);
    }

    [Fact]
    public void Validate_PostgresWithoutConnectionString_RefusedWithExample()
    {
        var message = Failure(Valid(o => o.Database = new DatabaseOptions { Provider = DatabaseProvider.Postgres }));

        Assert.Contains("SvdWeb:Database:Provider is postgres but SvdWeb:Database:ConnectionString is empty", message, StringComparison.Ordinal);
        Assert.Contains("SvdWeb__Database__ConnectionString=", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_HeartbeatNotTwicePerLease_Refused()
    {
        var message = Failure(Valid(o => o.Queue = new QueueOptions { LeaseDuration = TimeSpan.FromSeconds(10), HeartbeatInterval = TimeSpan.FromSeconds(6) }));

        Assert.Contains("SvdWeb:Queue:HeartbeatInterval is 00:00:06; renew at least twice per lease (00:00:10)", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_DailyGpuSecondsOverADayOfAllWorkers_NamesKeyAndFix()
    {
        var message = Failure(Valid(o => o.DailyGpuSecondsPerUser = 90_000));

        Assert.Contains("SvdWeb:DailyGpuSecondsPerUser is 90000, more than a whole day of all 1 worker(s) (86400 s)", message, StringComparison.Ordinal);
        Assert.Contains("or 0 to turn the quota off", message, StringComparison.Ordinal);
        Assert.True(new SvdWebOptionsValidator(new RepoEnvironment()).Validate(null, Valid(o => { o.DailyGpuSecondsPerUser = 90_000; o.Devices = ["cuda:0", "cuda:1"]; })).Succeeded);
    }

    [Fact]
    public void Validate_MissingModelsFolder_NamesKeyPathAndFix()
    {
        var message = Failure(Valid(o => o.ModelsFolder = "/nonexistent/models"));

        Assert.Contains("SvdWeb:ModelsFolder '/nonexistent/models' does not exist", message, StringComparison.Ordinal);
        Assert.Contains("SvdWeb__ModelsFolder=", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_UnknownDefaultPack_ListsPacksThere()
    {
        var message = Failure(Valid(o => o.DefaultPack = "svd-xt"));

        Assert.Contains("SvdWeb:DefaultPack 'svd-xt' is not a pack", message, StringComparison.Ordinal);
        Assert.Contains("Set it to one of: tiny-svd", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_DataFolderUnderAFile_NamesKeyAndPath()
    {
        var file = Path.Combine(_data, "plain-file");
        File.WriteAllText(file, "");

        var message = Failure(Valid(o => o.DataFolder = Path.Combine(file, "data")));

        Assert.Contains($"SvdWeb:DataFolder '{Path.Combine(file, "data")}' is not writable", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_UnknownDevice_NamesEntryAndChoices()
    {
        var options = Valid();
        options.Devices.Add("gpu7");

        var message = Failure(options);

        Assert.Contains("SvdWeb:Devices entry 'gpu7' is not a device", message, StringComparison.Ordinal);
        Assert.Contains("\"cuda:N\"", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_CalibrationFactorNotPositive_NamesKey()
    {
        var message = Failure(Valid(o => o.Inference.MemoryCalibrationFactor = 0));

        Assert.Contains("SvdWeb:Inference:MemoryCalibrationFactor is 0", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(17)]
    public void Validate_CudaGraphShapesOutOfRange_NamesKeyAndFix(int shapes)
    {
        var message = Failure(Valid(o => o.Inference.CudaGraphShapes = shapes));

        Assert.Contains($"SvdWeb:Inference:CudaGraphShapes is {shapes}; keep 1 to 16", message, StringComparison.Ordinal);
        Assert.Contains("SvdWeb:Inference:CudaGraphs to false", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_NegativeGpuMemory_NamesKeyAndFix()
    {
        var message = Failure(Valid(o => o.Inference.GpuMemoryBytes = -1));

        Assert.Contains("SvdWeb:Inference:GpuMemoryBytes is -1", message, StringComparison.Ordinal);
        Assert.Contains("0 to ask nvidia-smi", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_NegativeRescanDelay_NamesKey()
    {
        var message = Failure(Valid(o => o.ModelsRescanDelay = TimeSpan.FromSeconds(-1)));

        Assert.Contains("SvdWeb:ModelsRescanDelay", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Start_InvalidSetting_RefusesToStartNamingKey()
    {
        using var factory = new SvdWebFactory(settings: new Dictionary<string, string?> { ["SvdWeb:ModelsFolder"] = "/nonexistent/models" });

        var ex = Assert.Throws<OptionsValidationException>(() => factory.CreateClient());

        Assert.Contains("SvdWeb:ModelsFolder '/nonexistent/models' does not exist", ex.Message, StringComparison.Ordinal);
        Directory.Delete(factory.DataFolder, recursive: true);
    }

    public void Dispose() => Directory.Delete(_data, recursive: true);

    private sealed class RepoEnvironment : IHostEnvironment
    {
        public string EnvironmentName { get; set; } = Environments.Development;
        public string ApplicationName { get; set; } = "SvdWeb";
        public string ContentRootPath { get; set; } = Fixtures.RepoRoot;
        public IFileProvider ContentRootFileProvider { get; set; } = new NullFileProvider();
    }
}
