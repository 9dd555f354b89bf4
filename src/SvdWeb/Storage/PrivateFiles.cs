using System.Runtime.InteropServices;

namespace SvdWeb.Storage;

/// <summary>
/// The data folder holds password and token hashes (svdweb.db) and private media, so only the app's user may read
/// it: folders 0700, files 0600, whatever the umask the app was started with. The process's umask is set to 077 at
/// startup, so everything the app and its children (ffmpeg) create is private from the start, and an existing data
/// folder is tightened once at startup.
/// </summary>
public static partial class PrivateFiles
{
    private const UnixFileMode FolderMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    private const UnixFileMode GroupOrOther = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <summary>From now on, files and folders this process creates get no group or other permissions.</summary>
    public static void RestrictNewFiles()
    {
        if (OperatingSystem.IsWindows()) return;
        _ = SetUmask(0b000_111_111);
    }

    /// <summary>Creates the folder (and missing parents) private, or makes an existing one private.</summary>
    public static void CreateFolder(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
            return;
        }
        Directory.CreateDirectory(path, FolderMode);
        Restrict(path);
    }

    /// <summary>Takes group and other permissions off the folder and everything under it.</summary>
    /// <returns>How many folders and files were changed.</returns>
    public static int Tighten(string folder)
    {
        if (OperatingSystem.IsWindows() || !Directory.Exists(folder)) return 0;
        var changed = Restrict(folder) ? 1 : 0;
        foreach (var entry in new DirectoryInfo(folder).EnumerateFileSystemInfos("*", SearchOption.AllDirectories))
        {
            if (entry.LinkTarget is not null) continue;
            if (Restrict(entry.FullName)) changed++;
        }
        return changed;
    }

    private static bool Restrict(string path)
    {
        if (OperatingSystem.IsWindows()) return false;
        var current = File.GetUnixFileMode(path);
        if ((current & GroupOrOther) == 0) return false;
        File.SetUnixFileMode(path, current & ~GroupOrOther);
        return true;
    }

    [DllImport("libc", EntryPoint = "umask")]
    private static extern uint SetUmask(uint mask);
}
