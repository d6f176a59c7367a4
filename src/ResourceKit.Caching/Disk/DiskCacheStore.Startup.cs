using System.Diagnostics.Metrics;

namespace ResourceKit.Caching.Disk;

/// <summary>Rebuilding the index from the folder at start, and the store's instruments.</summary>
public sealed partial class DiskCacheStore
{
    private void LoadIndex()
    {
        foreach (var temp in Directory.EnumerateFiles(_tempFolder, "*" + TempExtension))
        {
            // Left by a process killed between write and rename: never visible as a record, safe to drop.
            TryDeleteFile(temp);
        }

        var now = _timeProvider.GetUtcNow().ToUnixTimeMilliseconds();
        Span<byte> header = stackalloc byte[DiskRecord.HeaderSize];
        foreach (var path in Directory.EnumerateFiles(_root, "*" + RecordExtension, SearchOption.AllDirectories))
        {
            var name = Path.GetFileNameWithoutExtension(path);
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
            _index[name] = new DiskEntry(length, expires, lastAccess);
            _bytes += length;
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
