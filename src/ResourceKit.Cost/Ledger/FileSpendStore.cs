using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ResourceKit.Cost.Diagnostics;

namespace ResourceKit.Cost.Ledger;

/// <summary>
/// The embedded, durable spend store: committed spend is appended to a journal and flushed to disk before a
/// call returns, and the journal is folded into a snapshot written atomically (temporary file, flush, rename).
/// When the disk refuses the journal entry (full, read-only), the spend is still counted in memory, so the limits
/// keep holding, and the call does not fail; an error is logged, <see cref="UnsavedSpend"/> grows, and every later
/// write tries a snapshot, which saves the in-memory totals, until one succeeds. Spend not yet saved is lost if the
/// process ends first. (Failing the settle instead let the caller give up on it, and the spend was forgotten.)
/// Files are created readable by the owner only. Reservations live in memory: they belong to callers in this
/// process, which a restart ends anyway. One process at a time may open a store; share a budget between
/// processes with <see cref="RedisSpendStore"/>.
/// </summary>
public sealed partial class FileSpendStore : ISpendStore, ISynchronousSpendStore, IDisposable
{
    /// <summary>The default number of journal entries after which the journal is folded into the snapshot.</summary>
    public const int DefaultCompactionThreshold = 1000;

    private static readonly UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private readonly Lock _gate = new();
    private readonly SpendBook _book = new();
    private readonly string _snapshotPath;
    private readonly string _journalPath;
    private readonly int _compactionThreshold;
    private readonly bool _flushToDisk;
    private readonly FileStream _journal;
    private readonly ILogger _logger;
    private readonly Func<string, FileStreamOptions, FileStream> _openFile;
    private long _sequence;
    private decimal _unsavedSpend;
    private bool _journalTorn;
    private long _journalLength;
    private int _journalEntries;
    private bool _disposed;

    /// <summary>Initializes a new instance of the <see cref="FileSpendStore"/> class and loads any existing spend.</summary>
    /// <param name="path">The snapshot file; the journal is kept beside it with the suffix <c>.journal</c>.</param>
    /// <param name="compactionThreshold">Journal entries after which the snapshot is rewritten.</param>
    /// <param name="flushToDisk">Whether every entry is flushed through the OS cache to the disk (fsync) before returning.</param>
    /// <param name="logger">Logs damaged files found at start.</param>
    /// <remarks>
    /// Damaged files do not keep the store from opening. A journal line that cannot be read is skipped (the lines
    /// after it still count; sequence numbers keep entries from counting twice) and the journal is copied to
    /// <c>.journal.corrupt</c> before it is folded into the snapshot; a torn last line is cut off before anything
    /// is appended. A snapshot that cannot be read is moved to <c>.corrupt</c> and the store starts from the journal
    /// alone, with <see cref="IsDegraded"/> set: spend folded into the lost snapshot is not counted.
    /// </remarks>
    /// <exception cref="IOException">Another process has the store open.</exception>
    public FileSpendStore(string path, int compactionThreshold = DefaultCompactionThreshold, bool flushToDisk = true, ILogger<FileSpendStore>? logger = null)
        : this(path, compactionThreshold, flushToDisk, logger, static (file, options) => new FileStream(file, options))
    {
    }

    /// <summary>Initializes a new instance with the function that opens its files, so tests can make the disk fail.</summary>
    internal FileSpendStore(
        string path, int compactionThreshold, bool flushToDisk, ILogger<FileSpendStore>? logger, Func<string, FileStreamOptions, FileStream> openFile)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        _openFile = openFile;
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(compactionThreshold);
        _snapshotPath = Path.GetFullPath(path);
        _journalPath = _snapshotPath + ".journal";
        _compactionThreshold = compactionThreshold;
        _flushToDisk = flushToDisk;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        Directory.CreateDirectory(Path.GetDirectoryName(_snapshotPath)!);

        // Opening the journal for exclusive writing is what keeps a second process from sharing the file.
        _journal = Open(_journalPath, FileMode.OpenOrCreate, bufferSize: 0);
        try
        {
            LoadSnapshot();
            var journalEnd = LoadJournal();
            _journal.SetLength(journalEnd.Length);
            _journal.Seek(0, SeekOrigin.End);
            if (journalEnd.NeedsNewline)
            {
                _journal.Write("\n"u8);
                _journal.Flush(_flushToDisk);
            }

            _journalLength = _journal.Position;
        }
        catch
        {
            _journal.Dispose();
            throw;
        }

        // Folding the journal in at start is housekeeping: if the disk refuses it (full, read-only), the journal
        // keeps every entry and the next append tries again, so the store still opens.
        CompactIf(due: true);
    }

    /// <summary>Gets the snapshot file path.</summary>
    public string FilePath => _snapshotPath;

    /// <summary>
    /// Gets a value indicating whether the snapshot could not be read at start (it was moved aside to <c>.corrupt</c>):
    /// the store counts only the journal and later spend, so it may under-count the current periods.
    /// </summary>
    public bool IsDegraded { get; private set; }

    /// <summary>
    /// Gets the spend counted in memory whose journal entry the disk refused and that no snapshot has saved yet: it is
    /// lost if the process ends before a snapshot succeeds. Zero once one has.
    /// </summary>
    public decimal UnsavedSpend
    {
        get
        {
            lock (_gate)
            {
                return _unsavedSpend;
            }
        }
    }

    /// <inheritdoc/>
    public ValueTask<LedgerReserveResult> TryReserveAsync(
        LedgerReservation reservation, IReadOnlyList<LedgerLimit> limits, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reservation);
        ArgumentNullException.ThrowIfNull(limits);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return ValueTask.FromResult(_book.TryReserve(reservation, limits, now));
        }
    }

    /// <inheritdoc/>
    public ValueTask<LedgerTotals> SettleAsync(LedgerReservation reservation, decimal actual, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reservation);
        ((ISynchronousSpendStore)this).Settle(reservation, actual, ObservedTotals.ForAll(reservation.Counters.Count, out var totals));
        return ValueTask.FromResult(totals);
    }

    /// <inheritdoc/>
    bool ISynchronousSpendStore.TryReserve(
        LedgerReservation reservation, IReadOnlyList<LedgerLimit> limits, DateTimeOffset now, ObservedTotals totals, out int failedLimitIndex)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _book.TryReserve(reservation, limits, now, totals, out failedLimitIndex);
        }
    }

    /// <inheritdoc/>
    void ISynchronousSpendStore.Settle(LedgerReservation reservation, decimal actual, ObservedTotals totals)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var compactionDue = TryAppend(reservation.Counters, actual);
            _book.Settle(reservation, actual, totals);
            CompactIf(compactionDue);
        }
    }

    /// <inheritdoc/>
    int ISynchronousSpendStore.Sweep(DateTimeOffset expiryNow, DateTimeOffset calendarNow)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _book.Sweep(expiryNow, calendarNow);
        }
    }

    /// <inheritdoc/>
    public ValueTask<bool> ReleaseAsync(LedgerReservation reservation, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reservation);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return ValueTask.FromResult(_book.Release(reservation));
        }
    }

    /// <inheritdoc/>
    public ValueTask<bool> ExtendAsync(LedgerReservation reservation, DateTimeOffset expiresAt, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reservation);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return ValueTask.FromResult(_book.Extend(reservation, expiresAt, now));
        }
    }

    /// <inheritdoc/>
    public ValueTask<LedgerTotals> RecordAsync(IReadOnlyList<LedgerCounter> counters, decimal amount, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(counters);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var compactionDue = TryAppend(counters, amount);
            var totals = _book.Record(counters, amount);
            CompactIf(compactionDue);
            return ValueTask.FromResult(totals);
        }
    }

    /// <inheritdoc/>
    public ValueTask<int> ExpireAsync(DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return ValueTask.FromResult(_book.Sweep(now));
        }
    }

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<LedgerBalance>> GetBalancesAsync(string period, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(period);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return ValueTask.FromResult(_book.GetBalances(period));
        }
    }

    /// <summary>Folds the journal into the snapshot and closes the files.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            // Dispose must not throw or keep the journal locked because the disk refused the snapshot: every
            // entry is already durable in the journal, which the next instance replays.
            _disposed = true;
            try
            {
                CompactIf(due: true);
            }
            finally
            {
                _journal.Dispose();
            }
        }
    }

    private FileStream Open(string path, FileMode mode, int bufferSize = 4096)
    {
        var options = new FileStreamOptions { Mode = mode, Access = FileAccess.ReadWrite, Share = FileShare.None, BufferSize = bufferSize };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = OwnerOnly;
        }

        return _openFile(path, options);
    }

    /// <summary>
    /// Journals an entry; returns whether a snapshot is due. When the disk refuses the entry the spend is still applied
    /// to the book by the caller (the limits must keep counting it) and the call succeeds: failing it would let the
    /// caller give up on the settle, and the spend would be forgotten. A snapshot saves the book's totals, so one is
    /// due at once and after every later entry until one succeeds.
    /// </summary>
    private bool TryAppend(IReadOnlyList<LedgerCounter> counters, decimal amount)
    {
        try
        {
            return Append(counters, amount) || _unsavedSpend != 0;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            _unsavedSpend += amount;
            CostLog.JournalWriteFailed(_logger, exception, _journalPath, amount, _unsavedSpend);
            return true;
        }
    }

    /// <summary>
    /// Writes and flushes a journal entry; returns whether the journal is due for compaction. The caller compacts
    /// only after the in-memory book holds the entry: a snapshot taken before would carry the entry's sequence
    /// number without its amount, and emptying the journal would then lose the entry.
    /// </summary>
    private bool Append(IReadOnlyList<LedgerCounter> counters, decimal amount)
    {
        // The number is used up even if the write fails: the entry may still reach the journal (written, then the
        // flush and the truncation failed), and its amount is counted in memory, so the next snapshot must carry a
        // sequence that covers it. Otherwise a journal left with that entry beside the snapshot (the emptying after
        // the rename failed, or power was lost) would replay it on top of the snapshot that already holds it.
        var entry = new JournalEntry(++_sequence, amount, counters.Select(CounterRecord.From).ToList());
        var json = JsonSerializer.SerializeToUtf8Bytes(entry, SpendStoreJson.Default.JournalEntry);
        var line = new byte[json.Length + 1];
        json.CopyTo(line, 0);
        line[^1] = (byte)'\n';
        if (_journalTorn)
        {
            // An earlier failed write left bytes the truncation could not remove; this entry must not be glued to them.
            _journal.SetLength(_journalLength);
            _journal.Position = _journalLength;
            _journalTorn = false;
        }

        var end = _journal.Position;
        try
        {
            // The journal is unbuffered, so a failed write leaves nothing behind in the stream to be written with the
            // next entry; what reached the file is cut off, so a retry cannot journal the entry twice and no torn
            // line sits between whole ones.
            _journal.Write(line);
            _journal.Flush(_flushToDisk);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            TryTruncate(end);
            throw;
        }

        _journalLength = _journal.Position;
        return ++_journalEntries >= _compactionThreshold;
    }

    private void TryTruncate(long length)
    {
        try
        {
            _journal.SetLength(length);
            _journal.Position = length;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // The next append cuts the torn bytes off first; a torn last line is cut off when the journal is loaded.
            _journalTorn = true;
        }
    }

    private void CompactIf(bool due)
    {
        if (!due)
        {
            return;
        }

        try
        {
            Compact();
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // The entry is already durable in the journal and applied to the book, so the write succeeded; the
            // journal simply stays longer and the next append tries to compact again.
        }
    }

    private void Compact()
    {
        var snapshot = new SnapshotFile(
            _sequence,
            _book.ExportCommitted().Select(c => new CounterRecord(c.Period, c.Scope, c.RetainUntil, c.Committed)).ToList());
        var temporary = _snapshotPath + ".tmp";
        using (var stream = Open(temporary, FileMode.Create))
        {
            JsonSerializer.Serialize(stream, snapshot, SpendStoreJson.Default.SnapshotFile);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, _snapshotPath, overwrite: true);
        // Only once the rename is on disk may the journal be emptied: otherwise a power loss could leave the old
        // snapshot beside an empty journal on file systems that do not order the two.
        DirectorySync.TryFlush(Path.GetDirectoryName(_snapshotPath)!);
        _journal.SetLength(0);
        _journal.Flush(flushToDisk: true);
        _journalEntries = 0;
        _journalLength = 0;
        _unsavedSpend = 0;
    }
}
