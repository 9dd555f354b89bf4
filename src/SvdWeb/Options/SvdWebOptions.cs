using System.ComponentModel.DataAnnotations;

namespace SvdWeb.Options;

/// <summary>
/// The app's settings: section "SvdWeb" of appsettings.json, each overridable by an environment variable such as
/// <c>SvdWeb__DataFolder</c>. Validated at startup (<see cref="SvdWebOptionsValidator"/>); a bad value stops the app
/// with a message naming the key and the fix.
/// </summary>
public sealed class SvdWebOptions
{
    public const string Section = "SvdWeb";

    /// <summary>Folder whose subfolders are model packs. Relative paths are from the app's content root. Defaults to "models".</summary>
    [Required]
    public string ModelsFolder { get; set; } = "models";

    /// <summary>Pack used when a request names none. Defaults to "tiny-svd" (bundled).</summary>
    [Required]
    public string DefaultPack { get; set; } = "tiny-svd";

    /// <summary>
    /// How long the models folder must be quiet after a change before it is scanned again: copying a multi-gigabyte pack
    /// writes for a while, and each write is an event. Defaults to 2 seconds.
    /// </summary>
    public TimeSpan ModelsRescanDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The database (section SvdWeb:Database): sqlite by default, postgres for several hosts.</summary>
    public DatabaseOptions Database { get; set; } = new();

    /// <summary>Leases, heartbeats and polling of the database queue (section SvdWeb:Queue).</summary>
    public QueueOptions Queue { get; set; } = new();

    /// <summary>
    /// <c>all</c> (the default: pages and workers in one process), <c>web</c> (pages, API, hub; runs no job) or
    /// <c>worker</c> (runs jobs; serves no pages). <c>web</c> and <c>worker</c> need the postgres database.
    /// </summary>
    public ServerRole Role { get; set; } = ServerRole.All;

    /// <summary>Whether this process runs jobs (roles all and worker).</summary>
    public bool RunsJobs => Role != ServerRole.Web;

    /// <summary>Whether this process serves pages, the API and the hub (roles all and web).</summary>
    public bool ServesPages => Role != ServerRole.Worker;

    /// <summary>GPU memory guidance (section SvdWeb:Inference).</summary>
    public InferenceOptions Inference { get; set; } = new();

    /// <summary>Where the database and every generated file live; created if missing. Defaults to "data".</summary>
    [Required]
    public string DataFolder { get; set; } = "data";

    /// <summary>Largest accepted upload in bytes. Defaults to 50 MB.</summary>
    [Range(1024, 1L << 32)]
    public long MaxUploadBytes { get; set; } = 50L * 1024 * 1024;

    /// <summary>Largest accepted image, width × height, checked from the header before decoding. Defaults to 40 megapixels.</summary>
    [Range(1024, 1L << 31)]
    public long MaxUploadPixels { get; set; } = 40_000_000;

    /// <summary>What an input image may be at most, as every reader of one checks it (upload, regenerate, worker).</summary>
    public SvdWeb.Inference.Imaging.ImageLimits ImageLimits() => new(MaxUploadBytes, MaxUploadPixels)
    {
        MinSide = SvdWeb.Inference.Imaging.ImageLimits.InputMinSide,
        MaxBytesSetting = "SvdWeb:MaxUploadBytes",
    };

    /// <summary>Jobs waiting at once, across users; a full queue refuses new jobs with a message. Defaults to 100.</summary>
    [Range(1, 10_000)]
    public int MaxQueuedJobs { get; set; } = 100;

    /// <summary>Jobs one person may have waiting at once; more are refused with a message. Defaults to 20.</summary>
    [Range(1, 10_000)]
    public int MaxQueuedJobsPerUser { get; set; } = 20;

    /// <summary>
    /// GPU seconds each user's jobs may run per UTC day (measured from each job's start to its end); once a user has
    /// used them, new submissions are refused until midnight UTC. Admins are exempt. 0 (the default) turns it off.
    /// At most 86400 × the number of workers (a day of every device).
    /// </summary>
    [Range(0, int.MaxValue)]
    public int DailyGpuSecondsPerUser { get; set; }

    /// <summary>When true, the queue page names only your own jobs' owner; others show as "user 1", "user 2", …. Defaults to false.</summary>
    public bool AnonymiseQueue { get; set; }

    /// <summary>When true, the gallery (page and /api/gallery) shows each user only their own items; admins still see all. Defaults to false.</summary>
    public bool OnlyOwnItems { get; set; }

    /// <summary>
    /// One worker per entry: "auto" (CUDA when it loads, else CPU), "cpu", or "cuda:N" for CUDA device N.
    /// Empty (the default) means one "auto" worker. No initializer: the configuration binder appends to a list.
    /// </summary>
    public List<string> Devices { get; set; } = [];

    /// <summary>The devices that get a worker: <see cref="Devices"/>, or one "auto" when none is configured.</summary>
    public IReadOnlyList<string> WorkerDevices => Devices.Count > 0 ? Devices : ["auto"];

    /// <summary>CPU threads per ONNX operator (0: one per physical core). Defaults to 0.</summary>
    [Range(0, 256)]
    public int IntraOpNumThreads { get; set; }

    /// <summary>
    /// While no account exists, SvdWeb refuses to listen on addresses other machines can reach unless this is true: then
    /// everyone who can reach it is the built-in local admin, for a trusted network only. Ignored once an account
    /// exists (everyone signs in). Defaults to false.
    /// </summary>
    public bool AllowRemoteWithoutAccounts { get; set; }

    /// <summary>x264 quality of the MP4s: 0 lossless … 51 worst. Defaults to 17 (visually lossless).</summary>
    [Range(0, 51)]
    public int VideoCrf { get; set; } = 17;
}
