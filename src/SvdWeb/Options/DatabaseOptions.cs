namespace SvdWeb.Options;

/// <summary>Where the gallery, accounts and queue live (section SvdWeb:Database).</summary>
public sealed class DatabaseOptions
{
    /// <summary>
    /// <c>sqlite</c> (the default: one file in the data folder, one machine) or <c>postgres</c> (one server shared by
    /// several web and worker processes on several hosts).
    /// </summary>
    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;

    /// <summary>
    /// For postgres, required: an Npgsql connection string such as
    /// <c>Host=db.lab;Database=svdweb;Username=svdweb;Password=…</c>. For sqlite, optional: defaults to
    /// <c>Data Source=DATAFOLDER/svdweb.db</c>.
    /// </summary>
    public string? ConnectionString { get; set; }
}
