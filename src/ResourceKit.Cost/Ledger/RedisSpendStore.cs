using System.Globalization;
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
public sealed class RedisSpendStore : ISpendStore
{
    /// <summary>The default key prefix.</summary>
    public const string DefaultKeyPrefix = "resourcekit:cost";

    private const decimal UnitsPerDollar = 100_000_000m;

    /// <summary>How long a settled reservation's marker is kept, so a retried settle is not charged twice.</summary>
    private const long SettleMarkerMilliseconds = 60 * 60 * 1000;

    private readonly IDatabase _database;
    private readonly string _prefix;
    private readonly RedisKey _expiryKey;

    /// <summary>Initializes a new instance of the <see cref="RedisSpendStore"/> class.</summary>
    /// <param name="database">The Redis database.</param>
    /// <param name="keyPrefix">The prefix of every key; hosts sharing a budget use the same prefix.</param>
    public RedisSpendStore(IDatabase database, string keyPrefix = DefaultKeyPrefix)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentException.ThrowIfNullOrWhiteSpace(keyPrefix);
        _database = database;
        _prefix = "{" + keyPrefix + "}";
        _expiryKey = _prefix + ":reservations";
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

        var result = (RedisResult[])(await _database.ScriptEvaluateAsync(RedisSpendScripts.Reserve, [_expiryKey], [.. args]).ConfigureAwait(false))!;
        var failed = (int)result[0];
        return new LedgerReserveResult(failed == 0, failed - 1, DecodeTotals(result, 1, reservation.Counters.Count));
    }

    /// <inheritdoc/>
    public async ValueTask<LedgerTotals> SettleAsync(LedgerReservation reservation, decimal actual, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reservation);
        var result = (RedisResult[])(await _database.ScriptEvaluateAsync(
            RedisSpendScripts.Settle,
            [_expiryKey],
            [_prefix, reservation.Id, ToUnits(actual), EncodeCounters(reservation.Counters), SettleMarkerMilliseconds]).ConfigureAwait(false))!;
        return DecodeTotals(result, 0, reservation.Counters.Count);
    }

    /// <inheritdoc/>
    public async ValueTask<bool> ReleaseAsync(LedgerReservation reservation, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reservation);
        var result = await _database.ScriptEvaluateAsync(RedisSpendScripts.Release, [_expiryKey], [_prefix, reservation.Id]).ConfigureAwait(false);
        return (int)result == 1;
    }

    /// <inheritdoc/>
    public async ValueTask<bool> ExtendAsync(LedgerReservation reservation, DateTimeOffset expiresAt, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reservation);
        var result = await _database.ScriptEvaluateAsync(
            RedisSpendScripts.Extend,
            [_expiryKey],
            [_prefix, reservation.Id, expiresAt.ToUnixTimeMilliseconds(), now.ToUnixTimeMilliseconds()]).ConfigureAwait(false);
        return (int)result == 1;
    }

    /// <inheritdoc/>
    public async ValueTask<LedgerTotals> RecordAsync(IReadOnlyList<LedgerCounter> counters, decimal amount, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(counters);
        var result = (RedisResult[])(await _database.ScriptEvaluateAsync(
            RedisSpendScripts.Settle,
            [_expiryKey],
            [_prefix, string.Empty, ToUnits(amount), EncodeCounters(counters), SettleMarkerMilliseconds]).ConfigureAwait(false))!;
        return DecodeTotals(result, 0, counters.Count);
    }

    /// <inheritdoc/>
    public async ValueTask<int> ExpireAsync(DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        var result = await _database.ScriptEvaluateAsync(
            RedisSpendScripts.Expire, [_expiryKey], [_prefix, now.ToUnixTimeMilliseconds()]).ConfigureAwait(false);
        return (int)result;
    }

    /// <inheritdoc/>
    public async ValueTask<IReadOnlyList<LedgerBalance>> GetBalancesAsync(string period, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(period);
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
}
