using System.Text.Json;
using ResourceKit.Cost.Diagnostics;

namespace ResourceKit.Cost.Ledger;

/// <content>
/// Loading at start, and what is done with damaged files: nothing valid is dropped, the store still opens, and
/// damaged files are kept beside the store as evidence instead of being overwritten.
/// </content>
public sealed partial class FileSpendStore
{
    private void LoadSnapshot()
    {
        if (!File.Exists(_snapshotPath))
        {
            return;
        }

        SnapshotFile? snapshot;
        try
        {
            snapshot = JsonSerializer.Deserialize(File.ReadAllBytes(_snapshotPath), SpendStoreJson.Default.SnapshotFile);
        }
        catch (JsonException exception)
        {
            SetSnapshotAside(exception);
            return;
        }

        if (snapshot?.Counters is not { } counters || counters.Exists(c => !IsValid(c)))
        {
            SetSnapshotAside(new InvalidDataException("The snapshot has no counters or a counter without a period or scope."));
            return;
        }

        _sequence = snapshot.Sequence;
        foreach (var counter in counters)
        {
            _book.Record([counter.ToCounter()], counter.Amount);
        }
    }

    /// <summary>
    /// Replays the journal (already open) past the snapshot's sequence. Returns the length to keep (a torn last line
    /// is cut off) and whether the last kept line lacks its newline, which must be written before the next append.
    /// </summary>
    private (long Length, bool NeedsNewline) LoadJournal()
    {
        var bytes = new byte[_journal.Length];
        _journal.Position = 0;
        _journal.ReadExactly(bytes);
        var skipped = 0;
        var lineNumber = 0;
        var start = 0;
        var keep = bytes.Length;
        while (start < bytes.Length)
        {
            lineNumber++;
            var newline = Array.IndexOf(bytes, (byte)'\n', start);
            var end = newline < 0 ? bytes.Length : newline;
            var line = bytes.AsSpan(start, end - start);
            if (TryParse(line, out var entry))
            {
                // Entries already folded into the snapshot (a crash between rename and truncate) are skipped.
                if (entry.Sequence > _sequence)
                {
                    _sequence = entry.Sequence;
                    _book.Record(entry.Counters.ConvertAll(c => c.ToCounter()), entry.Amount);
                }
            }
            else if (newline < 0)
            {
                // A last line cut off mid-write by a crash: never acknowledged, and the next entry must not be glued to it.
                CostLog.JournalTornTail(_logger, _journalPath, bytes.Length - start);
                keep = start;
                break;
            }
            else if (!line.Trim(" \t\r"u8).IsEmpty)
            {
                skipped++;
                CostLog.JournalLineSkipped(_logger, _journalPath, lineNumber);
            }

            start = end + 1;
        }

        if (skipped > 0)
        {
            // Compaction at start empties the journal; keep the damaged original for whoever investigates.
            using var copy = Open(AsidePath(_journalPath + ".corrupt"), FileMode.CreateNew);
            copy.Write(bytes);
            copy.Flush(flushToDisk: true);
        }

        return (keep, keep > 0 && bytes[keep - 1] != (byte)'\n');
    }

    private static bool TryParse(ReadOnlySpan<byte> line, out JournalEntry entry)
    {
        try
        {
            var parsed = JsonSerializer.Deserialize(line, SpendStoreJson.Default.JournalEntry);
            if (parsed?.Counters is { Count: > 0 } counters && counters.TrueForAll(IsValid))
            {
                entry = parsed;
                return true;
            }
        }
        catch (JsonException)
        {
        }

        entry = null!;
        return false;
    }

    private static bool IsValid(CounterRecord? counter) =>
        counter is not null && !string.IsNullOrEmpty(counter.Period) && !string.IsNullOrEmpty(counter.Scope);

    private void SetSnapshotAside(Exception reason)
    {
        var aside = AsidePath(_snapshotPath + ".corrupt");
        File.Move(_snapshotPath, aside);
        IsDegraded = true;
        CostLog.SnapshotUnreadable(_logger, reason, _snapshotPath, aside);
    }

    /// <summary>The first of <c>path</c>, <c>path.1</c>, <c>path.2</c>, … that does not exist, so no earlier evidence is overwritten.</summary>
    private static string AsidePath(string path)
    {
        var candidate = path;
        for (var n = 1; File.Exists(candidate); n++)
        {
            candidate = path + "." + n.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return candidate;
    }
}
