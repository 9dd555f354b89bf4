using Microsoft.Data.Sqlite;
using SvdWeb.Inference.Files;

namespace SvdWeb.Storage;

/// <summary>
/// "The data folder's disk is full" however it surfaces: a media write's IOException (ENOSPC), or SQLite's
/// SQLITE_FULL when the database or its WAL cannot grow, possibly wrapped by EF Core.
/// </summary>
public static class StorageFull
{
    private const int SqliteFull = 13;

    public static bool Is(Exception? ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
        {
            if (e is IOException io && DiskFull.Is(io)) return true;
            if (e is SqliteException sqlite && sqlite.SqliteErrorCode == SqliteFull) return true;
        }
        return false;
    }

    /// <param name="dataFolder">Where the space is missing.</param>
    /// <param name="then">What to do once there is room, e.g. "retry this job".</param>
    public static string Message(string dataFolder, string then) =>
        $"The disk holding the data folder is full ({dataFolder}). Free space there, then {then}; earlier items are intact.";
}
