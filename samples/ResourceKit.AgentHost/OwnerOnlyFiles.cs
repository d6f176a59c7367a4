namespace ResourceKit.AgentHost;

/// <summary>
/// How the sample creates the files it writes (logs, archives, the run report): readable and writable by the owner
/// only on Unix, where the default umask would leave them readable by every user. They may hold prompts and spend.
/// </summary>
internal static class OwnerOnlyFiles
{
    /// <summary>The mode of a file created on Unix.</summary>
    public const UnixFileMode UnixFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>The mode of a folder created on Unix.</summary>
    public const UnixFileMode UnixFolder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>Options that open a file for writing, others may read it while it is open, created owner-only on Unix.</summary>
    /// <param name="mode">How the file is opened. A file that already exists keeps its mode.</param>
    /// <returns>The options.</returns>
    public static FileStreamOptions ForWriting(FileMode mode)
    {
        var options = new FileStreamOptions { Mode = mode, Access = FileAccess.Write, Share = FileShare.Read };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFile;
        }

        return options;
    }

    /// <summary>Creates <paramref name="folder"/> when it is missing, owner-only on Unix.</summary>
    /// <param name="folder">The folder.</param>
    public static void CreateFolder(string folder)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(folder);
        }
        else
        {
            Directory.CreateDirectory(folder, UnixFolder);
        }
    }
}
