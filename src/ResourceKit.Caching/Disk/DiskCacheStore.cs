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
/// tracks size, expiry and use for eviction. One process owns a folder at a time (a lock file enforces it).
/// A write that fails (disk full, an I/O error, a permission) deletes the record it would have replaced, so the
/// older value is never served in place of the newer one.</para>
/// <para>I/O runs synchronously on the caller: records are small and mostly served from the page cache, where
/// the asynchronous file API only adds a thread-pool hop.</para>
/// </remarks>
public sealed partial class DiskCacheStore : IBinaryCacheStore, IDisposable
{
    private const string RecordExtension = ".rkc";
    private const string TempExtension = ".tmp";

    // Above every Unix time in milliseconds for the next 140,000 years: records read again sort after those never read.
    private const long ReusedSortBit = 1L << 52;
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

    // Writing a record and indexing it, or forgetting it and deleting its file, is one step per name: without it two
    // writers can rename in one order and index in the other, or a removal can delete a file a writer just renamed.
    // Never held while taking the eviction lock (eviction takes these), so the two cannot deadlock.
    private readonly Lock[] _nameLocks = [.. Enumerable.Range(0, 64).Select(_ => new Lock())];
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
    /// <exception cref="DiskCacheFolderInUseException">Another process or store instance already uses the folder.</exception>
    public DiskCacheStore(DiskCacheStoreOptions options, TimeProvider? timeProvider = null, ILogger<DiskCacheStore>? logger = null, IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaximumSizeBytes, 1024L, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.AllocationUnitBytes, 1, nameof(options));
        _options = options;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _root = Path.Combine(Path.GetFullPath(options.ResolveDirectory()), "rkc-v1");
        _tempFolder = Path.Combine(_root, "tmp");
        CreateOwnerOnlyFolder(_root);
        CreateOwnerOnlyFolder(_tempFolder);
        _ownerLock = LockFolder(_root);
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
        var size = SizeOnDisk(record.Length);
        if (size > _options.MaximumSizeBytes)
        {
            LogTooLarge(_logger, record.Length, _options.MaximumSizeBytes);
            Interlocked.Increment(ref _writeFailures);
            Remove(name);
            return ValueTask.CompletedTask;
        }

        if (Interlocked.Read(ref _bytes) + size > _options.MaximumSizeBytes)
        {
            Evict(_options.MaximumSizeBytes - size);
        }

        WriteOutcome outcome;
        lock (LockFor(name))
        {
            outcome = Write(name, record);
            if (outcome == WriteOutcome.Written)
            {
                var entry = new DiskEntry(size, expires, now);
                lock (_accountingLock)
                {
                    var previous = _index.TryGetValue(name, out var old) ? old.Size : 0;
                    _index[name] = entry;
                    _bytes += size - previous;
                }
            }
            else
            {
                // The caller has moved on to the new value (a tiered cache already holds it in memory): the record it
                // replaces must go too, or it would be read back once memory evicts the new one.
                Remove(name);
            }
        }

        if (outcome == WriteOutcome.DiskFull)
        {
            // Degrade instead of failing: make room so later writes have a chance; this one is skipped.
            LogDiskFull(_logger, Interlocked.Read(ref _bytes));
            Evict((long)(Interlocked.Read(ref _bytes) * _options.EvictionTargetRatio));
        }
        else if (Interlocked.Read(ref _bytes) > _options.MaximumSizeBytes)
        {
            // Concurrent writers each made room for themselves alone before writing; whichever finds the total over
            // the budget afterwards evicts, so the budget holds once the writes are done.
            Evict(_options.MaximumSizeBytes);
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
            // Too many open files, an I/O hiccup, a permission changed by hand: a miss, not a reason to destroy the
            // record. Only records that fail their checksum are deleted.
            LogReadFailed(_logger, name, ex);
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

    private WriteOutcome Write(string name, byte[] record)
    {
        var target = PathFor(name);
        var temp = Path.Combine(_tempFolder, Guid.NewGuid().ToString("N") + TempExtension);
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                if (attempt > 0)
                {
                    // Someone removed our folders (a /tmp cleaner, say): recreate them once instead of failing every
                    // write. Inside the try, so that a folder that cannot be recreated is a failed write like any other.
                    CreateOwnerOnlyFolder(_root);
                    CreateOwnerOnlyFolder(_tempFolder);
                }

                EnsureFolder(Path.GetDirectoryName(target)!);

                // No preallocation: a full disk would then fail in the preallocation with an IOException that carries
                // no error number, and go unrecognised as a full disk.
                using (var stream = new FileStream(temp, OwnerOnlyFile(FileMode.CreateNew, FileAccess.Write)))
                {
                    stream.Write(record);
                    if (_options.FlushToDevice)
                    {
                        stream.Flush(flushToDisk: true);
                    }
                }

                File.Move(temp, target, overwrite: true);
                return WriteOutcome.Written;
            }
            catch (DirectoryNotFoundException) when (attempt == 0)
            {
                // Retried once, after recreating the folders.
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                Interlocked.Increment(ref _writeFailures);
                TryDeleteFile(temp);
                if (IsDiskFull(ex))
                {
                    return WriteOutcome.DiskFull;
                }

                LogWriteFailed(_logger, name, ex);
                return WriteOutcome.Failed;
            }
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
            // The sort keys are read once, before sorting: readers touch entries meanwhile, and a comparison of live
            // values can contradict itself, which makes Array.Sort throw (a concurrent test caught it doing so).
            var candidates = _index.ToArray();
            var order = new long[candidates.Length];
            for (var i = 0; i < candidates.Length; i++)
            {
                var entry = candidates[i].Value;
                order[i] = (entry.WasReused ? ReusedSortBit : 0) | Math.Clamp(entry.LastAccessUnixMs, 0, ReusedSortBit - 1);
            }

            Array.Sort(order, candidates);
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
        lock (LockFor(name))
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
    }

    private Lock LockFor(string name) => _nameLocks[(int)((uint)name.GetHashCode(StringComparison.Ordinal) % (uint)_nameLocks.Length)];

    /// <summary>A record's size as the file system allocates it (see <see cref="DiskCacheStoreOptions.AllocationUnitBytes"/>).</summary>
    private long SizeOnDisk(long length)
    {
        long unit = _options.AllocationUnitBytes;
        return (length + unit - 1) / unit * unit;
    }

    private bool Delete(string name, DiskEntry entry)
    {
        lock (LockFor(name))
        {
            if (!Forget(name, entry))
            {
                return false;
            }

            TryDeleteFile(PathFor(name));
            return true;
        }
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

    private static FileStream LockFolder(string root)
    {
        try
        {
            return new FileStream(Path.Combine(root, ".lock"), OwnerOnlyFile(FileMode.OpenOrCreate, FileAccess.ReadWrite));
        }
        catch (IOException ex) when (IsSharingViolation(ex))
        {
            throw new DiskCacheFolderInUseException($"The disk cache folder '{root}' is in use by another process or cache instance; give each one its own DiskCacheStoreOptions.Directory.", ex);
        }
    }

    internal static bool IsSharingViolation(IOException ex) =>
        ex.GetType() == typeof(IOException)
        && ex.HResult is 11 /* EWOULDBLOCK (Linux) */ or 35 /* EWOULDBLOCK (macOS) */
            or unchecked((int)0x80070020) /* ERROR_SHARING_VIOLATION */ or unchecked((int)0x80070021) /* ERROR_LOCK_VIOLATION */;

    internal static bool IsDiskFull(Exception ex) =>
        ex.HResult is 28 /* ENOSPC */ or 122 /* EDQUOT (Linux) */ or 69 /* EDQUOT (macOS) */
            or unchecked((int)0x80070070) /* ERROR_DISK_FULL */ or unchecked((int)0x80070027) /* ERROR_HANDLE_DISK_FULL */;

    private static FileStreamOptions OwnerOnlyFile(FileMode mode, FileAccess access)
    {
        var options = new FileStreamOptions { Mode = mode, Access = access, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = OwnerFileMode;
        }

        return options;
    }

    /// <summary>Creates a record subfolder if missing (owner-only); the root's mode already keeps others out of it.</summary>
    private static void EnsureFolder(string path)
    {
        if (!Directory.Exists(path))
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(path);
            }
            else
            {
                Directory.CreateDirectory(path, OwnerFolderMode);
            }
        }
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
            return;
        }

        // A folder that was already there (from an older version, or made by hand) may be open to other users, who
        // could read cached data or plant records: close it, or refuse to use it when it is not ours to change.
        if ((File.GetUnixFileMode(path) & ~OwnerFolderMode) != 0)
        {
            try
            {
                File.SetUnixFileMode(path, OwnerFolderMode);
            }
            catch (UnauthorizedAccessException ex)
            {
                throw new UnauthorizedAccessException($"The cache folder '{path}' is accessible to other users and its permissions cannot be changed; it is not used.", ex);
            }
        }
    }

    private enum WriteOutcome
    {
        Written,
        Failed,
        DiskFull,
    }
}
