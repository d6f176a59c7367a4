using System.Runtime.InteropServices;

namespace ResourceKit.Cost.Ledger;

/// <summary>
/// Flushes a directory's entries to disk on Unix, so a file renamed into it survives a power loss. .NET has no API
/// for it (a directory cannot be opened as a <see cref="FileStream"/>), and POSIX does not promise that flushing a
/// file also persists a rename into its directory. Best effort: on Windows, or when the call fails, nothing happens.
/// </summary>
internal static partial class DirectorySync
{
    private const int ReadOnly = 0;

    /// <summary>Flushes <paramref name="directory"/>; returns whether it was flushed.</summary>
    public static bool TryFlush(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            return false;
        }

        var descriptor = Open(directory, ReadOnly);
        if (descriptor < 0)
        {
            return false;
        }

        try
        {
            return FSync(descriptor) == 0;
        }
        finally
        {
            _ = Close(descriptor);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int FSync(int descriptor);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int descriptor);
}
