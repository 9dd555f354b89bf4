namespace SvdWeb.Options;

/// <summary>The database engine behind the gallery and the queue (<see cref="DatabaseOptions.Provider"/>).</summary>
public enum DatabaseProvider
{
    /// <summary>One file beside the media; web and workers in one process on one machine.</summary>
    Sqlite,

    /// <summary>A PostgreSQL server shared by every web node and worker.</summary>
    Postgres,
}
