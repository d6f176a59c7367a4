using System.Diagnostics.Metrics;

namespace ResourceKit.Caching.Disk;

/// <summary>Rebuilding the index from the folder at start, and the store's instruments.</summary>
public sealed partial class DiskCacheStore
{
    private void LoadIndex()
    {
        // A folder this process cannot read (left by a run under another user, say) is skipped, not fatal.
        var options = new EnumerationOptions { IgnoreInaccessible = true, RecurseSubdirectories = false };
        foreach (var temp in Directory.EnumerateFiles(_tempFolder, "*" + TempExtension, options))
        {
            // Left by a process killed between write and rename: never visible as a record, safe to drop.
            TryDeleteFile(temp);
        }

        var now = _timeProvider.GetUtcNow().ToUnixTimeMilliseconds();
        foreach (var folder in Directory.EnumerateDirectories(_root, "??", options))
        {
            IndexFolder(folder, options, now);
        }
    }

    private void IndexFolder(string folder, EnumerationOptions options, long now)
    {
        Span<byte> header = stackalloc byte[DiskRecord.HeaderSize];
        var prefix = Path.GetFileName(folder);
        foreach (var path in Directory.EnumerateFiles(folder, "*" + RecordExtension, options))
        {
            // Only files this store could have written: a 32-hex-digit name in the folder named by its first two
            // digits. Anything else (copied in by hand, another tool's) is not ours to index or delete.
            var name = Path.GetFileNameWithoutExtension(path);
            if (!DiskRecord.IsFileName(name) || !name.StartsWith(prefix, StringComparison.Ordinal))
            {
                continue;
            }

            long length;
            long expires;
            try
            {
                using var handle = File.OpenHandle(path);
                length = RandomAccess.GetLength(handle);
                var read = RandomAccess.Read(handle, header, 0);
                if (!DiskRecord.TryReadHeader(header[..read], length, out expires))
                {
                    Interlocked.Increment(ref _corrupt);
                    LogCorruptRecord(_logger, name, length);
                    TryDeleteFile(path);
                    continue;
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                LogReadFailed(_logger, name, ex);
                continue;
            }

            if (expires <= now)
            {
                TryDeleteFile(path);
                continue;
            }

            var lastAccess = new DateTimeOffset(File.GetLastWriteTimeUtc(path)).ToUnixTimeMilliseconds();
            var size = SizeOnDisk(length);
            _index[name] = new DiskEntry(size, expires, lastAccess);
            _bytes += size;
        }
    }

    private void RegisterInstruments(Meter meter)
    {
        var tier = new KeyValuePair<string, object?>(CacheMeter.TierTag, CacheMeter.DiskTier);
        meter.CreateObservableUpDownCounter("resourcekit.cache.tier.bytes", () => new Measurement<long>(Interlocked.Read(ref _bytes), tier), "By", "Bytes held by the tier.");
        meter.CreateObservableUpDownCounter("resourcekit.cache.tier.entries", () => new Measurement<long>(_index.Count, tier), "{entry}", "Entries held by the tier.");
        meter.CreateObservableCounter("resourcekit.cache.tier.evictions", () => new Measurement<long>(Interlocked.Read(ref _evictions), tier), "{entry}", "Entries evicted to stay within the tier's budget.");
        meter.CreateObservableCounter("resourcekit.cache.tier.corrupt_records", () => new Measurement<long>(Interlocked.Read(ref _corrupt), tier), "{record}", "Records dropped because they failed validation.");
    }
}
