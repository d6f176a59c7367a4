using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ResourceKit.Cost.Diagnostics;
using StackExchange.Redis;

namespace ResourceKit.Cost.Ledger;

/// <summary>
/// A spend store on Redis, for several hosts sharing one budget. Every operation is one Lua script, so the
/// check-and-reserve is atomic across hosts. Amounts are stored as integers of 10⁻⁸ US dollars; all keys share
/// one hash tag so the scripts also run on a Redis cluster. Settling is idempotent per reservation id for an hour,
/// so a settle retried after an ambiguous timeout is not charged twice. Reservation hashes have no time to live
/// (the sweep deletes them), and the counters must not be evicted: run the server with
/// <c>maxmemory-policy noeviction</c> (or no <c>maxmemory</c>).
/// </summary>
/// <remarks>
/// When Redis cannot be reached or cannot take writes for now (a connection error, a timeout, or a server that is
/// loading, out of memory, failing to persist, failing over or busy), a settle or record is not forgotten: the spend
/// is kept in this process, an error is logged, <see cref="UnsavedSpend"/> shows it, and every later operation of
/// this store (the ledger's periodic sweep included) first writes it, each entry under its own id, so an attempt that
/// reached Redis after all (its reply was lost) is not charged again as long as its marker lives
/// (<see cref="SettleMarkerLifetime"/>; the ledger's sweep, at most <see cref="MaxExpirySweepInterval"/> apart, gives
/// a quiet host several chances within it). Called directly, <see cref="SettleAsync"/> and <see cref="RecordAsync"/>
/// then throw <see cref="SpendKeptException"/>: the spend is counted, do not retry. An operation that cannot write the
/// kept spend fails, so no check of this store's limits runs without it. One write of the kept entries (sent
/// together) is under way at a time: operations arriving meanwhile wait for it and share its outcome, its failure
/// included (while Redis is down they fail together after one attempt, not one after another); only entries kept
/// after it began and before an operation arrived make that operation write again. An operation's cancellation token
/// ends its own wait, never the shared write, and does not recall a script already sent (StackExchange.Redis scripts
/// take no token). A settle or record whose wait is cancelled so was not sent; it is kept as if Redis could not take it
/// (written by a later operation under its own id, so once; logged as a warning of its own, not as a Redis failure,
/// since Redis may be healthy), because a caller handed the cancellation may give up on spend that was made: <see cref="SettleAsync"/> and <see cref="RecordAsync"/> then throw
/// <see cref="SpendKeptException"/> (the <see cref="OperationCanceledException"/> inside), and the ledger counts the
/// settle or record as done. At most <see cref="MaxUnsavedEntries"/> entries are kept; past that a settle or record fails with
/// the Redis error (a cancelled one with the <see cref="OperationCanceledException"/>: it was not sent), as it would
/// without keeping, except a record whose script was sent and whose reply was lost: it
/// may have been counted, and fails with <see cref="SpendOutcomeUnknownException"/> (do not retry). Spend not yet
/// written is lost if the process ends first, and other hosts see it only once it is written (until then they still
/// see a settled reservation's hold, until it lapses).
/// </remarks>
public sealed class RedisSpendStore : ISpendStore
{
    /// <summary>The default key prefix.</summary>
    public const string DefaultKeyPrefix = "resourcekit:cost";

    /// <summary>The default of <see cref="MaxUnsavedEntries"/>.</summary>
    public const int DefaultMaxUnsavedEntries = 10_000;

    /// <summary>How many kept entries are sent to Redis at once when they are written.</summary>
    private const int WriteBatchSize = 128;

    private const decimal UnitsPerDollar = 100_000_000m;

    /// <summary>
    /// Gets how long a settled reservation's or record's marker is kept, so a retried settle, or spend written later
    /// after an attempt whose reply was lost, is not charged twice: one hour.
    /// </summary>
    public static TimeSpan SettleMarkerLifetime { get; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Gets the longest <see cref="CostOptions.ExpirySweepInterval"/> a <see cref="Budgets.SpendLedger"/> over this store
    /// accepts: a quarter of <see cref="SettleMarkerLifetime"/> (15 minutes). The sweep writes the spend kept while Redis
    /// could not take it, so on a quiet host it must get several chances before the marker of an attempt whose reply
    /// was lost expires and the later write charges it again.
    /// </summary>
    public static TimeSpan MaxExpirySweepInterval { get; } = SettleMarkerLifetime / 4;

    private static readonly long SettleMarkerMilliseconds = (long)SettleMarkerLifetime.TotalMilliseconds;

    private readonly IDatabase _database;
    private readonly string _prefix;
    private readonly RedisKey _expiryKey;
    private readonly ILogger _logger;
    private readonly Lock _pendingLock = new();
    private readonly Dictionary<string, PendingSpend> _pending = new(StringComparer.Ordinal);

    private decimal _unsavedSpend;
    private int _pendingCount;

    // Counts entries kept so far (under _pendingLock), so a write can tell which entries it did not include.
    private long _generation;

    // The write of the kept entries under way or last done (under _pendingLock); operations arriving while it runs share it.
    private WriteAttempt? _attempt;

    /// <summary>Initializes a new instance of the <see cref="RedisSpendStore"/> class.</summary>
    /// <param name="database">The Redis database.</param>
    /// <param name="keyPrefix">The prefix of every key; hosts sharing a budget use the same prefix.</param>
    /// <param name="logger">
    /// Logs spend kept in this process while Redis cannot be reached or because its caller cancelled before it was sent,
    /// and its writing.
    /// </param>
    public RedisSpendStore(IDatabase database, string keyPrefix = DefaultKeyPrefix, ILogger<RedisSpendStore>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentException.ThrowIfNullOrWhiteSpace(keyPrefix);
        _database = database;
        _prefix = "{" + keyPrefix + "}";
        _expiryKey = _prefix + ":reservations";
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>
    /// Gets or sets how many settles and records the store keeps in this process while Redis cannot take them. Past
    /// it a settle or record is not kept: an error is logged and the Redis error reaches the caller, through the
    /// ledger too (a settle's reservation stays open to be retried, and a retry is charged once; a record is not
    /// counted), so no spend is dropped without its caller being told. A record whose script was sent but whose reply
    /// was lost may have been counted: it fails with <see cref="SpendOutcomeUnknownException"/> instead, and must not
    /// be retried. With the DI registration, set <see cref="CostOptions.RedisMaxUnsavedEntries"/>.
    /// </summary>
    /// <value>The default value is <see cref="DefaultMaxUnsavedEntries"/>. Must be greater than zero.</value>
    public int MaxUnsavedEntries
    {
        get;
        init
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(value);
            field = value;
        }
    } = DefaultMaxUnsavedEntries;

    /// <summary>
    /// Gets the spend settled or recorded while Redis could not be reached, kept in this process until a later
    /// operation writes it: it is lost if the process ends first. Zero once every such entry is written.
    /// </summary>
    public decimal UnsavedSpend
    {
        get
        {
            lock (_pendingLock)
            {
                return _unsavedSpend;
            }
        }
    }

    /// <inheritdoc/>
    public async ValueTask<LedgerReserveResult> TryReserveAsync(
        LedgerReservation reservation, IReadOnlyList<LedgerLimit> limits, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reservation);
        ArgumentNullException.ThrowIfNull(limits);
        var args = new List<RedisValue>
        {
            _prefix,
            reservation.Id,
            ToUnits(reservation.Amount),
            reservation.ExpiresAt.ToUnixTimeMilliseconds(),
            now.ToUnixTimeMilliseconds(),
            EncodeCounters(reservation.Counters),
            limits.Count,
        };
        foreach (var limit in limits)
        {
            args.Add(limit.CounterIndex + 1);
            args.Add(ToUnits(limit.Limit));
        }

        args.Add(ToUnits(reservation.CheckedAmount));

        await WritePendingAsync(cancellationToken).ConfigureAwait(false);
        var result = (RedisResult[])(await _database.ScriptEvaluateAsync(RedisSpendScripts.Reserve, [_expiryKey], [.. args]).ConfigureAwait(false))!;
        var failed = (int)result[0];
        return new LedgerReserveResult(failed == 0, failed - 1, DecodeTotals(result, 1, reservation.Counters.Count));
    }

    /// <inheritdoc/>
    /// <remarks>
    /// When Redis cannot be reached the spend is kept and written by a later operation (see the class remarks), and
    /// the call throws <see cref="SpendKeptException"/> (the Redis error inside): the settle need not be retried, and
    /// a retry of the same reservation is charged once. So does a cancellation of
    /// <paramref name="cancellationToken"/> while the settle waits for spend kept earlier to be written: the settle was
    /// not sent, and is kept all the same (the <see cref="OperationCanceledException"/> inside). Once the settle is sent
    /// the token is no longer heeded.
    /// </remarks>
    /// <exception cref="SpendKeptException">
    /// Redis could not take the settle now, or the wait before it was cancelled; the spend is kept to write later.
    /// </exception>
    /// <exception cref="OperationCanceledException">
    /// The wait before the settle was cancelled and the store keeps <see cref="MaxUnsavedEntries"/> entries already: the
    /// settle was not sent.
    /// </exception>
    public ValueTask<LedgerTotals> SettleAsync(LedgerReservation reservation, decimal actual, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reservation);
        return CommitAsync(reservation.Id, reservation.Counters, actual, isRecord: false, cancellationToken);
    }

    /// <inheritdoc/>
    public async ValueTask<bool> ReleaseAsync(LedgerReservation reservation, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reservation);
        await WritePendingAsync(cancellationToken).ConfigureAwait(false);
        var result = await _database.ScriptEvaluateAsync(RedisSpendScripts.Release, [_expiryKey], [_prefix, reservation.Id]).ConfigureAwait(false);
        return (int)result == 1;
    }

    /// <inheritdoc/>
    public async ValueTask<bool> ExtendAsync(LedgerReservation reservation, DateTimeOffset expiresAt, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reservation);
        await WritePendingAsync(cancellationToken).ConfigureAwait(false);
        var result = await _database.ScriptEvaluateAsync(
            RedisSpendScripts.Extend,
            [_expiryKey],
            [_prefix, reservation.Id, expiresAt.ToUnixTimeMilliseconds(), now.ToUnixTimeMilliseconds()]).ConfigureAwait(false);
        return (int)result == 1;
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Each record is written under an id of its own, so one that Redis received but whose reply was lost is not
    /// charged again when it is written later. When Redis cannot be reached the spend is kept and written by a later
    /// operation (see the class remarks), and the call throws <see cref="SpendKeptException"/> (the Redis error
    /// inside), not the Redis error itself: the spend is counted, and a retry would record it again under a new id.
    /// So does a cancellation of <paramref name="cancellationToken"/> while the record waits for spend kept earlier to be
    /// written (the record was not sent; the <see cref="OperationCanceledException"/> inside); once the record is sent
    /// the token is no longer heeded. When the store already keeps <see cref="MaxUnsavedEntries"/> entries it keeps no more: the Redis error reaches
    /// the caller (the spend is not counted), or, when the record was sent and its reply lost,
    /// <see cref="SpendOutcomeUnknownException"/> (it may have been counted; do not retry), or, when the wait before it
    /// was cancelled, <see cref="OperationCanceledException"/> (it was not sent, so not counted).
    /// </remarks>
    /// <exception cref="SpendKeptException">
    /// Redis could not take the record now, or the wait before it was cancelled; the spend is kept to write later.
    /// </exception>
    /// <exception cref="OperationCanceledException">
    /// The wait before the record was cancelled and the store keeps <see cref="MaxUnsavedEntries"/> entries already: the
    /// record was not sent.
    /// </exception>
    /// <exception cref="SpendOutcomeUnknownException">
    /// The record was sent but its reply was lost, and the store keeps <see cref="MaxUnsavedEntries"/> entries already.
    /// </exception>
    public ValueTask<LedgerTotals> RecordAsync(IReadOnlyList<LedgerCounter> counters, decimal amount, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(counters);
        return CommitAsync(NewRecordId(), counters, amount, isRecord: true, cancellationToken);
    }

    /// <inheritdoc/>
    public async ValueTask<int> ExpireAsync(DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await WritePendingAsync(cancellationToken).ConfigureAwait(false);
        var result = await _database.ScriptEvaluateAsync(
            RedisSpendScripts.Expire, [_expiryKey], [_prefix, now.ToUnixTimeMilliseconds()]).ConfigureAwait(false);
        return (int)result;
    }

    /// <inheritdoc/>
    public async ValueTask<IReadOnlyList<LedgerBalance>> GetBalancesAsync(string period, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(period);
        await WritePendingAsync(cancellationToken).ConfigureAwait(false);
        var entries = await _database.HashGetAllAsync(_prefix + ":p:" + period).ConfigureAwait(false);
        var scopes = new Dictionary<string, (decimal Committed, decimal Reserved)>(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            var field = entry.Name.ToString();
            var scope = field[..^2];
            scopes.TryGetValue(scope, out var totals);
            var amount = FromUnits((long)entry.Value);
            scopes[scope] = field.EndsWith(":c", StringComparison.Ordinal) ? (amount, totals.Reserved) : (totals.Committed, amount);
        }

        return scopes.Select(s => new LedgerBalance(period, s.Key, s.Value.Committed, s.Value.Reserved)).ToList();
    }

    /// <summary>
    /// Whether an error means Redis could not be reached or cannot take writes for now (loading, out of memory,
    /// persistence failing, a failover under way, busy), so the spend is kept and written later. Other server errors
    /// would fail again on every attempt, and a kept entry that cannot be written holds up every later operation.
    /// </summary>
    private static bool IsUnavailable(Exception exception) => exception switch
    {
        RedisConnectionException or TimeoutException => true, // RedisTimeoutException derives from TimeoutException.
        RedisServerException { Kind: var kind } => kind is RedisErrorKind.ConnectionFault or RedisErrorKind.Timeout or RedisErrorKind.Loading
            or RedisErrorKind.ClusterDown or RedisErrorKind.MasterDown or RedisErrorKind.TryAgain or RedisErrorKind.NoReplicas
            or RedisErrorKind.Misconfigured or RedisErrorKind.OutOfMemory or RedisErrorKind.Busy or RedisErrorKind.MaxClients
            or RedisErrorKind.ReadOnly,
        _ => false,
    };

    /// <summary>Whether <paramref name="exception"/> is the caller's own token cancelling its wait.</summary>
    private static bool IsCancelled(Exception exception, CancellationToken cancellationToken) =>
        exception is OperationCanceledException && cancellationToken.IsCancellationRequested;

    private static string NewRecordId() => "record-" + Guid.NewGuid().ToString("N");

    /// <summary>
    /// Whether a failed script may have run on Redis all the same: its reply timed out, or the connection failed, after
    /// it was sent (or it is not known whether it was). A server error is a reply: the script did not commit.
    /// </summary>
    private static bool MayHaveRun(Exception exception) => exception switch
    {
        RedisTimeoutException timeout => timeout.Commandstatus is not (CommandStatus.WaitingToBeSent or CommandStatus.WaitingInBacklog),
        RedisConnectionException connection => connection.CommandStatus is not (CommandStatus.WaitingToBeSent or CommandStatus.WaitingInBacklog),
        TimeoutException => true,
        _ => false,
    };

    /// <summary>
    /// Writes spend kept earlier, then commits <paramref name="amount"/> under <paramref name="id"/> (released and
    /// committed once per id by the script's marker). When Redis cannot be reached the spend is kept to write later and
    /// <see cref="SpendKeptException"/> thrown, which the ledger takes as a completed settle or record.
    /// </summary>
    private async ValueTask<LedgerTotals> CommitAsync(
        string id, IReadOnlyList<LedgerCounter> counters, decimal amount, bool isRecord, CancellationToken cancellationToken)
    {
        RedisResult[] result;
        var sending = false;
        try
        {
            await WritePendingAsync(cancellationToken).ConfigureAwait(false);
            sending = true;
            result = await EvaluateSettleAsync(id, counters, amount).ConfigureAwait(false);
        }
        catch (Exception exception) when (IsUnavailable(exception) || (!sending && IsCancelled(exception, cancellationToken)))
        {
            // A caller who stopped waiting for the kept spend's write has not sent its own spend; handed back as a
            // cancellation it would be lost (a ledger settle reopens, then its hold lapses), so it is kept alike.
            // A record is the one call whose retry is new spend (a settle retried under its id is charged once), so only
            // a record that may have run must not be handed back as a plain Redis error.
            var unknown = isRecord && sending && MayHaveRun(exception);
            var cancelled = !sending && IsCancelled(exception, cancellationToken);
            if (!Keep(new PendingSpend(id, counters, amount), exception, unknown, cancelled, out var unsaved))
            {
                if (unknown)
                {
                    throw new SpendOutcomeUnknownException(amount, MaxUnsavedEntries, exception);
                }

                throw;
            }

            // Not the Redis error itself: a retry policy handling it would record the spend again under a new id.
            throw cancelled ? SpendKeptException.CancelledBeforeSent(amount, unsaved, exception) : new SpendKeptException(amount, unsaved, exception);
        }

        // A caller's retry of a settle kept earlier has written it now.
        Written(id);
        return DecodeTotals(result, 0, counters.Count);
    }

    private async ValueTask<RedisResult[]> EvaluateSettleAsync(string id, IReadOnlyList<LedgerCounter> counters, decimal amount) =>
        (RedisResult[])(await _database.ScriptEvaluateAsync(
            RedisSpendScripts.Settle,
            [_expiryKey],
            [_prefix, id, ToUnits(amount), EncodeCounters(counters), SettleMarkerMilliseconds]).ConfigureAwait(false))!;

    /// <summary>
    /// Keeps <paramref name="spend"/> to write later, unless <see cref="MaxUnsavedEntries"/> are kept already; gives
    /// all the spend kept unsaved. <paramref name="cancelled"/>: the caller's token ended its wait before the spend was
    /// sent, which says nothing about Redis, so it is logged apart from Redis failures.
    /// </summary>
    private bool Keep(PendingSpend spend, Exception exception, bool outcomeUnknown, bool cancelled, out decimal unsaved)
    {
        int kept;
        lock (_pendingLock)
        {
            unsaved = _unsavedSpend;
            kept = _pending.Count;

            // A retry of the same settle that failed again is the same money, kept once.
            if (_pending.ContainsKey(spend.Id))
            {
                return true;
            }

            if (kept < MaxUnsavedEntries)
            {
                _pending.Add(spend.Id, spend);
                _unsavedSpend += spend.Amount;
                unsaved = _unsavedSpend;
                _generation++;
                Volatile.Write(ref _pendingCount, _pending.Count);
                kept = -1;
            }
        }

        if (kept < 0)
        {
            if (cancelled)
            {
                CostLog.RedisSpendKeptOnCancel(_logger, spend.Amount, spend.Id, unsaved);
            }
            else
            {
                CostLog.RedisSpendKept(_logger, exception, spend.Amount, spend.Id, unsaved);
            }

            return true;
        }

        if (cancelled)
        {
            CostLog.RedisSpendNotKeptOnCancel(_logger, spend.Amount, spend.Id, kept, unsaved);
        }
        else if (outcomeUnknown)
        {
            CostLog.RedisSpendOutcomeUnknown(_logger, exception, spend.Amount, spend.Id, kept, unsaved);
        }
        else
        {
            CostLog.RedisSpendNotKept(_logger, exception, spend.Amount, spend.Id, kept, unsaved);
        }

        return false;
    }

    /// <summary>Forgets a kept entry once it is written; returns whether it was kept.</summary>
    private bool Written(string id)
    {
        decimal amount;
        decimal unsaved;
        lock (_pendingLock)
        {
            if (!_pending.Remove(id, out var spend))
            {
                return false;
            }

            _unsavedSpend -= spend.Amount;
            amount = spend.Amount;
            unsaved = _unsavedSpend;
            Volatile.Write(ref _pendingCount, _pending.Count);
        }

        CostLog.RedisSpendWritten(_logger, amount, id, unsaved);
        return true;
    }

    /// <summary>
    /// Writes the spend kept while Redis could not be reached, before the operation that called it; throws (and keeps
    /// the rest) when Redis still cannot take it, so the operation does not check limits without it.
    /// </summary>
    private async ValueTask WritePendingAsync(CancellationToken cancellationToken)
    {
        // The entries this operation must see written are those kept when it arrived: a write that began at or after
        // that includes them (those still kept), and its outcome, a failure too, is this operation's.
        long arrival = -1;
        while (Volatile.Read(ref _pendingCount) != 0)
        {
            WriteAttempt attempt;
            PendingSpend[]? due = null;
            lock (_pendingLock)
            {
                if (_pending.Count == 0)
                {
                    return;
                }

                if (arrival < 0)
                {
                    arrival = _generation;
                }

                if (_attempt is { Completion.Task.IsCompleted: false } running)
                {
                    attempt = running;
                }
                else
                {
                    attempt = _attempt = new WriteAttempt(_generation);
                    due = [.. _pending.Values];
                }
            }

            if (due is not null)
            {
                // Not awaited as such: the write is shared, and one caller's cancellation must not end it for the others.
                _ = WriteAsync(attempt, due);
            }

            try
            {
                // Waiting in turn to send every entry again would turn an outage into one timeout after another.
                await attempt.Completion.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception) when (attempt.Generation < arrival && !cancellationToken.IsCancellationRequested)
            {
                // It began before entries this operation must see were kept, so its failure is not theirs: they get a
                // write of their own (at most one more, as any write begun from here on includes them).
            }

            if (attempt.Generation >= arrival)
            {
                return;
            }
        }
    }

    /// <summary>Sends <paramref name="due"/> in batches and completes <paramref name="attempt"/> with the outcome.</summary>
    private async Task WriteAsync(WriteAttempt attempt, PendingSpend[] due)
    {
        try
        {
            for (var start = 0; start < due.Length; start += WriteBatchSize)
            {
                // A batch is sent at once (the connection pipelines it); each entry is committed once by its marker.
                var batch = due.AsMemory(start, Math.Min(WriteBatchSize, due.Length - start));
                var writes = new Task<RedisResult[]>[batch.Length];
                for (var i = 0; i < writes.Length; i++)
                {
                    var spend = batch.Span[i];
                    writes[i] = EvaluateSettleAsync(spend.Id, spend.Counters, spend.Amount).AsTask();
                }

                try
                {
                    await Task.WhenAll(writes).ConfigureAwait(false);
                }
                finally
                {
                    for (var i = 0; i < writes.Length; i++)
                    {
                        if (writes[i].IsCompletedSuccessfully)
                        {
                            Written(batch.Span[i].Id);
                        }
                    }
                }
            }

            attempt.Completion.SetResult();
        }
        catch (Exception exception)
        {
            attempt.Completion.SetException(exception);

            // Observed here, so a failure every waiter gave up on is not reported as unobserved.
            _ = attempt.Completion.Task.Exception;
        }
    }

    private static long ToUnits(decimal amount) => (long)decimal.Round(amount * UnitsPerDollar, MidpointRounding.AwayFromZero);

    private static decimal FromUnits(long units) => units / UnitsPerDollar;

    private static string EncodeCounters(IReadOnlyList<LedgerCounter> counters) =>
        string.Join('\n', counters.Select(c => string.Create(
            CultureInfo.InvariantCulture, $"{c.Period}|{c.Scope}|{c.RetainUntil.ToUnixTimeMilliseconds()}")));

    private static LedgerTotals DecodeTotals(RedisResult[] result, int offset, int count)
    {
        var committed = new decimal[count];
        var reserved = new decimal[count];
        var values = (RedisResult[])result[offset]!;
        for (var i = 0; i < count; i++)
        {
            committed[i] = FromUnits((long)values[2 * i]);
            reserved[i] = FromUnits((long)values[(2 * i) + 1]);
        }

        return new LedgerTotals(committed, reserved);
    }

    /// <summary>Spend committed while Redis could not be reached, with the id it is written under.</summary>
    private sealed record PendingSpend(string Id, IReadOnlyList<LedgerCounter> Counters, decimal Amount);

    /// <summary>One write of the kept entries, shared by the operations that arrive while it runs.</summary>
    /// <param name="generation">How many entries had been kept when it began; it writes those still kept then.</param>
    private sealed class WriteAttempt(long generation)
    {
        public long Generation { get; } = generation;

        // Waiters resume on the thread pool, not inline on the connection's thread that completes the write.
        public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
