using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace ResourceKit.AgentHost.Logging;

/// <summary>
/// Writes the host's log to <c>logs/agenthost.log</c> through a bounded channel (logging never blocks a loop; lines
/// are dropped and counted if the disk cannot keep up) and rotates it on demand into gzip archives, keeping the newest few.
/// A rotated log whose compression failed is compressed again at the next rotation and counts toward the few kept.
/// Files and the folder are readable by the owner only. A write that fails (disk full, the file closed by a failed
/// rotation) drops that batch and reopens the file for the next one, so one bad moment never ends file logging. A log
/// file or folder deleted under the host is recreated before the next batch: on Unix, writes to a deleted file succeed
/// and would silently go nowhere. Dispose it after the host, so the host's last lines are written.
/// </summary>
internal sealed class RollingFileLoggerProvider : ILoggerProvider
{
    private const int QueueCapacity = 10_000;
    // Wait, not DropWrite: the loggers only call TryWrite, which never waits and returns false when the queue is full,
    // so the line can be counted. With DropWrite, TryWrite drops the line and still returns true: nothing was counted.
    private readonly Channel<string> _lines = Channel.CreateBounded<string>(new BoundedChannelOptions(QueueCapacity)
    {
        FullMode = BoundedChannelFullMode.Wait,
        SingleReader = true,
    });

    private readonly SemaphoreSlim _fileGate = new(1, 1);
    private readonly TimeProvider _timeProvider;
    private readonly int _maxArchives;
    private readonly Task _writer;
    private StreamWriter _file;
    private long _dropped;
    private long _droppedReported;
    private bool _disposed;

    public RollingFileLoggerProvider(string folder, TimeProvider timeProvider, int maxArchives = 5)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxArchives, 1);
        Folder = Path.GetFullPath(folder);
        _timeProvider = timeProvider;
        _maxArchives = maxArchives;
        _file = Open();
        _writer = Task.Run(WriteLoopAsync);
    }

    public string Folder { get; }

    public string CurrentPath => Path.Combine(Folder, "agenthost.log");

    public long DroppedLines => Interlocked.Read(ref _dropped);

    /// <summary>Gets the lines dropped since the last <see cref="ReportDroppedLines"/>: those no summary counted.</summary>
    public long DroppedSinceReport => DroppedLines - Interlocked.Read(ref _droppedReported);

    /// <summary>Returns <see cref="DroppedLines"/> for a summary, and remembers it, so that drops after it can be told apart.</summary>
    /// <returns>The lines dropped so far.</returns>
    public long ReportDroppedLines()
    {
        var dropped = DroppedLines;
        Interlocked.Exchange(ref _droppedReported, dropped);
        return dropped;
    }

    public ILogger CreateLogger(string categoryName) => new FileLogger(this, categoryName);

    /// <summary>
    /// Closes the current file, compresses it into a timestamped archive and prunes old archives. Rotated logs an
    /// earlier rotation could not compress (disk full, say) are compressed again now: they hold lines no archive has.
    /// Retention counts them with the archives, so leftovers that keep failing are pruned in turn, never piling up.
    /// </summary>
    /// <returns>The archive written, or <see langword="null"/> when the log was empty.</returns>
    /// <exception cref="IOException">The move or this rotation's compression failed (or <see cref="UnauthorizedAccessException"/>); a rotated log is kept for the next rotation.</exception>
    public async Task<LogRotation?> RotateAsync(CancellationToken cancellationToken = default)
    {
        await _fileGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _file.FlushAsync(cancellationToken).ConfigureAwait(false);
            var length = _file.BaseStream.Length;
            if (length == 0)
            {
                // Nothing to rotate, but leftovers of an earlier failed compression are still retried.
                await CompressRotatedAsync(rotated: null, cancellationToken).ConfigureAwait(false);
                return null;
            }

            await _file.DisposeAsync().ConfigureAwait(false);
            var stamp = _timeProvider.GetUtcNow().ToString("yyyyMMdd-HHmmss-fff", CultureInfo.InvariantCulture);
            var rotated = Path.Combine(Folder, $"agenthost-{stamp}.log");
            try
            {
                File.Move(CurrentPath, rotated, overwrite: true);
            }
            finally
            {
                // Whether or not the move worked, the writer needs an open file (a new one, or the old one to append
                // to). If even this fails, the writer loop reopens it before its next batch.
                _file = Open();
            }

            var pruned = Prune();
            var uncompressed = await CompressRotatedAsync(rotated, cancellationToken).ConfigureAwait(false);
            var archive = rotated + ".gz";
            return new LogRotation(archive, length, new FileInfo(archive).Length, pruned, uncompressed);
        }
        finally
        {
            _fileGate.Release();
        }
    }

    /// <summary>Writes the lines still queued, then closes the file. Call it after the host is disposed.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _lines.Writer.TryComplete();
        _writer.GetAwaiter().GetResult(); // never faults: the writer loop catches everything
        _file.Dispose();
        _fileGate.Dispose();
    }

    private IEnumerable<string> RotatedLogs() =>
        Directory.GetFiles(Folder, "agenthost-*.log").Where(path => path.EndsWith(".log", StringComparison.Ordinal));

    /// <summary>Keeps the newest <see cref="_maxArchives"/> rotations, compressed or not, and deletes the files of the older ones.</summary>
    private int Prune()
    {
        var byRotation = Directory.GetFiles(Folder, "agenthost-*.log.gz").Concat(RotatedLogs())
            .GroupBy(path => path.EndsWith(".gz", StringComparison.Ordinal) ? path[..^3] : path, StringComparer.Ordinal)
            .OrderBy(rotation => rotation.Key, StringComparer.Ordinal);
        var pruned = 0;
        foreach (var old in byRotation.SkipLast(_maxArchives))
        {
            foreach (var file in old)
            {
                File.Delete(file);
            }

            pruned++;
        }

        return pruned;
    }

    /// <summary>
    /// Compresses <paramref name="rotated"/> and every rotated log an earlier compression left behind. Leftovers are
    /// compressed again rather than deleted: they hold lines no archive has, and the cause (a full disk) is usually gone
    /// by the next rotation. One that still fails does not fail this rotation; it waits for the next one, or is pruned
    /// once it is older than the archives kept. A failure to compress <paramref name="rotated"/> itself is thrown.
    /// </summary>
    /// <returns>How many leftovers are still uncompressed.</returns>
    private async Task<int> CompressRotatedAsync(string? rotated, CancellationToken cancellationToken)
    {
        var uncompressed = 0;
        foreach (var pending in RotatedLogs().Order(StringComparer.Ordinal))
        {
            try
            {
                await CompressAsync(pending, cancellationToken).ConfigureAwait(false);
            }
#pragma warning disable CA1031 // An earlier leftover that still fails (disk full, unreadable) stays for the next rotation.
            catch (Exception exception) when (pending != rotated && exception is not OperationCanceledException)
#pragma warning restore CA1031
            {
                uncompressed++;
            }
        }

        return uncompressed;
    }

    /// <summary>Compresses a rotated log into <c>.gz</c> beside it and deletes it; on failure deletes the partial archive and keeps the log.</summary>
    private static async Task CompressAsync(string rotated, CancellationToken cancellationToken)
    {
        var archive = rotated + ".gz";
        var created = false;
        try
        {
            await using (var source = File.OpenRead(rotated))
            await using (var target = new FileStream(archive, OwnerOnlyFiles.ForWriting(FileMode.Create)))
            {
                created = true;
                await using var gzip = new GZipStream(target, CompressionLevel.Optimal);
                await source.CopyToAsync(gzip, cancellationToken).ConfigureAwait(false);
            }

            File.Delete(rotated);
        }
        catch (Exception) when (created)
        {
            // A truncated archive would be pruned or read as if it were whole: remove it, the log is compressed again later.
            File.Delete(archive);
            throw;
        }
    }

    private void Enqueue(string line)
    {
        if (!_lines.Writer.TryWrite(line))
        {
            Interlocked.Increment(ref _dropped);
        }
    }

    private async Task WriteLoopAsync()
    {
        var reader = _lines.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            await _fileGate.WaitAsync().ConfigureAwait(false);
            long batch = 0;
            try
            {
                if (!File.Exists(CurrentPath))
                {
                    // Deleted (with its folder, perhaps) by someone else: the open handle now writes into an unlinked file.
                    Reopen();
                }

                while (reader.TryRead(out var line))
                {
                    batch++;
                    await _file.WriteLineAsync(line).ConfigureAwait(false);
                }

                await _file.FlushAsync().ConfigureAwait(false);
            }
#pragma warning disable CA1031 // Any failure (disk full, the file deleted or closed by a failed rotation) must not end file logging.
            catch (Exception)
#pragma warning restore CA1031
            {
                // The lines of this batch are lost and counted; the next batch goes to a freshly opened file.
                Interlocked.Add(ref _dropped, batch);
                Reopen();
            }
            finally
            {
                _fileGate.Release();
            }
        }
    }

    private void Reopen()
    {
        try
        {
            _file.Dispose();
        }
#pragma warning disable CA1031 // Closing a broken writer may throw again (its buffer cannot be flushed); it is discarded either way.
        catch (Exception)
        {
        }

        try
        {
            _file = Open();
        }
        catch (Exception)
        {
            // Still failing: the next batch fails too, and tries again.
        }
#pragma warning restore CA1031
    }

    private StreamWriter Open()
    {
        // Creates the folder when it is missing: at start, and again if it was deleted while the host ran.
        OwnerOnlyFiles.CreateFolder(Folder);
        return new(new FileStream(CurrentPath, OwnerOnlyFiles.ForWriting(FileMode.Append)), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
    }

    private sealed class FileLogger(RollingFileLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            var time = provider._timeProvider.GetUtcNow().ToString("O", CultureInfo.InvariantCulture);
            var line = $"{time} [{logLevel}] {category}: {formatter(state, exception)}";
            provider.Enqueue(exception is null ? line : line + Environment.NewLine + exception);
        }
    }
}

/// <summary>What one rotation did.</summary>
/// <param name="ArchivePath">The gzip archive written.</param>
/// <param name="OriginalBytes">The size of the rotated log.</param>
/// <param name="ArchiveBytes">The size of the archive.</param>
/// <param name="ArchivesPruned">How many old rotations (archives, or rotated logs not yet compressed) were deleted.</param>
/// <param name="LeftUncompressed">How many earlier rotated logs still could not be compressed; the next rotation tries again.</param>
internal sealed record LogRotation(string ArchivePath, long OriginalBytes, long ArchiveBytes, int ArchivesPruned, int LeftUncompressed = 0);
