namespace SvdWeb.Options;

/// <summary>When the server turns a memory option on (SvdWeb:Inference:ModelCpuOffload, :ForwardChunking).</summary>
public enum MemoryOptionMode
{
    /// <summary>Only for a job that does not fit the GPU without it (the cheapest combination that fits is used).</summary>
    Auto,

    /// <summary>For every job.</summary>
    Always,

    /// <summary>Never; a job that does not fit without it is refused.</summary>
    Never,
}
