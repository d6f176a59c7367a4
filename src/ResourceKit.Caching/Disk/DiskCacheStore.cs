using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ResourceKit.Caching.Disk;

/// <summary>
/// The local-disk L2 tier: one checksummed file per key, written to a temporary file and renamed into
/// place, so a process killed mid-write leaves either the old record or the new one, never a partial one.
/// </summary>
/// <remarks>
/// <para>File names are the XxHash128 of the key; files are created <c>0600</c> and folders <c>0700</c> on Unix.
/// An in-memory index (rebuilt from the record headers at start) answers misses without touching the disk and
/// tracks size, expiry and use for eviction. One process owns a folder at a time (a lock file enforces it).</para>
/// <para>I/O runs synchronously on the caller: records are small and mostly served from the page cache, where
/// the asynchronous file API only adds a thread-pool hop.</para>
/// </remarks>
public sealed partial class DiskCacheStore : IBinaryCacheStore, IDisposable
{
    private const string RecordExtension = ".rkc";
    private const string TempExtension = ".tmp";
    private const UnixFileMode OwnerFolderMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode OwnerFileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private readonly DiskCacheStoreOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly string _root;
    private readonly string _tempFolder;
    private readonly ConcurrentDictionary<string, DiskEntry> _index = new(StringComparer.Ordinal);
    private readonly Lock _accountingLock = new();
    private readonly Lock _evictionLock = new();
    private readonly FileStream _ownerLock;
    private readonly ITimer _cleanupTimer;
    private readonly Meter? _ownedMeter;
    private long _bytes;
    private long _hits;
    private long _misses;
    private long _evictions;
    private long _corrupt;
    private long _writeFailures;
    private bool _disposed;

    /// <summary>Opens (or creates) the store in the configured folder and indexes the records already there.</summary>
    /// <param name="options">The options; <see cref="DiskCacheStoreOptions.Directory"/> names the folder.</param>
    /// <param name="timeProvider">The clock for expiry and the cleanup timer; the system clock when <see langword="null"/>.</param>
    /// <param name="logger">Receives warnings about corrupt records and I/O failures.</param>
    /// <param name="meterFactory">Creates the <c>ResourceKit.Caching</c> meter; a private meter when <see langword="null"/>.</param>
    /// <exception cref="IOException">Another process already uses the folder.</exception>
    public DiskCacheStore(DiskCacheStoreOptions options, TimeProvider? timeProvider = null, ILogger<DiskCacheStore>? logger = null, IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaximumSizeBytes, 1024L, nameof(options));
        _options = options;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _root = Path.Combine(Path.GetFullPath(options.ResolveDirectory()), "rkc-v1");
        _tempFolder = Path.Combine(_root, "tmp");
        CreateOwnerOnlyFolder(_root);
        CreateOwnerOnlyFolder(_tempFolder);
        _ownerLock = new FileStream(Path.Combine(_root, ".lock"), OwnerOnlyFile(FileMode.OpenOrCreate, FileAccess.ReadWrite, 0));
        LoadIndex();
        var meter = meterFactory?.Create(CacheMeter.Name) ?? (_ownedMeter = new Meter(CacheMeter.Name));
        RegisterInstruments(meter);
        _cleanupTimer = _timeProvider.CreateTimer(_ => RemoveExpired(), null, options.CleanupInterval, options.CleanupInterval);
    }

    /// <summary>Gets the folder that holds the records.</summary>
    public string RootDirectory => _root;

    /// <summary>Gets a snapshot of the counters.</summary>
    public DiskCacheStatistics Statistics => new(
        _index.Count,
        Interlocked.Read(ref _bytes),
        Interlocked.Read(ref _hits),
        Interlocked.Read(ref _misses),
        Interlocked.Read(ref _evictions),
        Interlocked.Read(ref _corrupt),
        Interlocked.Read(ref _writeFailures));

    /// <inheritdoc />
    public ValueTask<byte[]?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        cancellationToken.ThrowIfCancellationRequested();
        ObjectDisposedException.ThrowIf(_disposed, this);
        var name = DiskRecord.FileNameFor(key);
        if (!_index.TryGetValue(name, out var entry))
        {
            Interlocked.Increment(ref _misses);
            return ValueTask.FromResult<byte[]?>(null);
        }

        var now = _timeProvider.GetUtcNow().ToUnixTimeMilliseconds();
        if (entry.ExpiresUnixMs <= now)
        {
            Delete(name, entry);
            Interlocked.Increment(ref _misses);
            return ValueTask.FromResult<byte[]?>(null);
        }

        var value = Read(key, name, entry);
        if (value is null)
        {
            Interlocked.Increment(ref _misses);
            return ValueTask.FromResult<byte[]?>(null);
        }

        entry.Touch(now);
        Interlocked.Increment(ref _hits);
        return ValueTask.FromResult<byte[]?>(value);
    }

    /// <inheritdoc />
    public ValueTask SetAsync(string key, ReadOnlyMemory<byte> value, DateTimeOffset absoluteExpiration, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        cancellationToken.ThrowIfCancellationRequested();
        ObjectDisposedException.ThrowIf(_disposed, this);
        var now = _timeProvider.GetUtcNow().ToUnixTimeMilliseconds();
        var expires = absoluteExpiration.ToUnixTimeMilliseconds();
        var name = DiskRecord.FileNameFor(key);
        if (expires <= now)
        {
            Remove(name);
            return ValueTask.CompletedTask;
        }

        var record = DiskRecord.Encode(key, value.Span, expires);
        if (record.Length > _options.MaximumSizeBytes)
        {
            LogTooLarge(_logger, record.Length, _options.MaximumSizeBytes);
            Interlocked.Increment(ref _writeFailures);
            Remove(name);
            return ValueTask.CompletedTask;
        }

        if (Interlocked.Read(ref _bytes) + record.Length > _options.MaximumSizeBytes)
        {
            Evict(_options.MaximumSizeBytes - record.Length);
        }

        if (Write(name, record))
        {
            var entry = new DiskEntry(record.Length, expires, now);
            lock (_accountingLock)
            {
                var previous = _index.TryGetValue(name, out var old) ? old.Size : 0;
                _index[name] = entry;
                _bytes += record.Length - previous;
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask RemoveAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        cancellationToken.ThrowIfCancellationRequested();
        ObjectDisposedException.ThrowIf(_disposed, this);
        Remove(DiskRecord.FileNameFor(key));
        return ValueTask.CompletedTask;
    }

    /// <summary>Deletes every expired record now; the cleanup timer calls this periodically.</summary>
    /// <returns>The number of records deleted.</returns>
    public int RemoveExpired()
    {
        if (_disposed)
        {
            return 0;
        }

        var now = _timeProvider.GetUtcNow().ToUnixTimeMilliseconds();
        var removed = 0;
        foreach (var (name, entry) in _index)
        {
            if (entry.ExpiresUnixMs <= now && Delete(name, entry))
            {
                removed++;
            }
        }

        return removed;
    }

    /// <summary>Releases the folder lock and stops the cleanup timer; records stay on disk for the next instance.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _cleanupTimer.Dispose();
        _ownerLock.Dispose();
        _ownedMeter?.Dispose();
    }

    private byte[]? Read(string key, string name, DiskEntry entry)
    {
        byte[] record;
        try
        {
            record = File.ReadAllBytes(PathFor(name));
        }
        catch (FileNotFoundException)
        {
            Forget(name, entry);
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogReadFailed(_logger, name, ex);
            Delete(name, entry);
            return null;
        }

        var status = DiskRecord.TryDecode(record, key, out var expires, out var value);
        if (status == DiskRecordStatus.Corrupt)
        {
            Interlocked.Increment(ref _corrupt);
            LogCorruptRecord(_logger, name, record.Length);
            Delete(name, entry);
            return null;
        }

        if (status == DiskRecordStatus.OtherKey || expires <= _timeProvider.GetUtcNow().ToUnixTimeMilliseconds())
        {
            return null;
        }

        return value.ToArray();
    }

    private bool Write(string name, byte[] record)
    {
        var target = PathFor(name);
        var temp = Path.Combine(_tempFolder, Guid.NewGuid().ToString("N") + TempExtension);
        try
        {
            CreateOwnerOnlyFolder(Path.GetDirectoryName(target)!);
            using (var stream = new FileStream(temp, OwnerOnlyFile(FileMode.CreateNew, FileAccess.Write, record.Length)))
            {
                stream.Write(record);
                if (_options.FlushToDevice)
                {
                    stream.Flush(flushToDisk: true);
                }
            }

            File.Move(temp, target, overwrite: true);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Interlocked.Increment(ref _writeFailures);
            TryDeleteFile(temp);
            if (IsDiskFull(ex))
            {
                // Degrade instead of failing: make room so later writes have a chance, skip this one.
                LogDiskFull(_logger, Interlocked.Read(ref _bytes));
                Evict((long)(Interlocked.Read(ref _bytes) * _options.EvictionTargetRatio));
            }
            else
            {
                LogWriteFailed(_logger, name, ex);
            }

            return false;
        }
    }

    private void Evict(long allowedBytes)
    {
        lock (_evictionLock)
        {
            var target = Math.Min(allowedBytes, (long)(_options.MaximumSizeBytes * _options.EvictionTargetRatio));
            if (Interlocked.Read(ref _bytes) <= target)
            {
                return;
            }

            RemoveExpired();

            // Least valuable first: records never read since they were written (one-hit wonders), then the
            // least recently used, so a scan of new keys cannot flush the records that are actually reused.
            var candidates = _index.ToArray();
            Array.Sort(candidates, static (a, b) =>
            {
                var reused = a.Value.WasReused.CompareTo(b.Value.WasReused);
                return reused != 0 ? reused : a.Value.LastAccessUnixMs.CompareTo(b.Value.LastAccessUnixMs);
            });
            foreach (var (name, entry) in candidates)
            {
                if (Interlocked.Read(ref _bytes) <= target)
                {
                    break;
                }

                if (Delete(name, entry))
                {
                    Interlocked.Increment(ref _evictions);
                }
            }
        }
    }

    private void Remove(string name)
    {
        if (_index.TryGetValue(name, out var entry))
        {
            Delete(name, entry);
        }
        else
        {
            TryDeleteFile(PathFor(name));
        }
    }

    private bool Delete(string name, DiskEntry entry)
    {
        if (!Forget(name, entry))
        {
            return false;
        }

        TryDeleteFile(PathFor(name));
        return true;
    }

    private bool Forget(string name, DiskEntry entry)
    {
        lock (_accountingLock)
        {
            if (!_index.TryRemove(new KeyValuePair<string, DiskEntry>(name, entry)))
            {
                return false;
            }

            _bytes -= entry.Size;
            return true;
        }
    }

    private void TryDeleteFile(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogDeleteFailed(_logger, Path.GetFileName(path), ex);
        }
    }

    private string PathFor(string name) => Path.Combine(_root, name[..2], name + RecordExtension);

    private static bool IsDiskFull(Exception ex) =>
        ex.HResult is 28 /* ENOSPC */ or unchecked((int)0x80070070) /* ERROR_DISK_FULL */ or unchecked((int)0x80070027) /* ERROR_HANDLE_DISK_FULL */;

    private static FileStreamOptions OwnerOnlyFile(FileMode mode, FileAccess access, long preallocationSize)
    {
        var options = new FileStreamOptions { Mode = mode, Access = access, Share = FileShare.None, PreallocationSize = preallocationSize };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = OwnerFileMode;
        }

        return options;
    }

    private static void CreateOwnerOnlyFolder(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
            return;
        }

        if (!Directory.Exists(path))
        {
            Directory.CreateDirectory(path, OwnerFolderMode);
        }
    }
}
