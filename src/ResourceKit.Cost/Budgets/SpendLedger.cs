using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ResourceKit.Cost.Diagnostics;
using ResourceKit.Cost.Ledger;

namespace ResourceKit.Cost.Budgets;

/// <summary>
/// Records spend per category, model and agent over hourly, daily, ISO-week and calendar-month windows,
/// enforces budget rules, and holds reservations for calls in flight. The check against Block and Shutdown
/// limits and the reservation happen in one atomic store operation, so committed plus reserved spend never
/// exceeds such a limit however many callers race. Each hold is the full amount it was checked against, so
/// committed spend can pass such a limit only when a call costs more than it reserved.
/// </summary>
public sealed partial class SpendLedger : IDisposable
{
    private const int MaxCachedPlans = 4096;

    private readonly ISpendStore _store;
    private readonly ISynchronousSpendStore? _synchronousStore;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CostMetrics _metrics;
    private readonly ITimer _sweepTimer;
    private readonly ReservationRenewalSchedule _renewals;
    private readonly TimeSpan _reservationTimeToLive;
    private readonly TimeSpan _throttleInterval;
    private readonly decimal _maxReservationCost;
    private readonly IReadOnlyList<double> _defaultThresholds;
    private readonly ConcurrentDictionary<string, DateTimeOffset> _raised = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ThrottleGate> _throttles = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<SpendAttribution, SpendPlan> _plans = new();
    private readonly Lock _rulesLock = new();
    private readonly ulong _idPrefix;
    private readonly DateTimeOffset _expiryClockOrigin;
    private readonly long _expiryClockOriginTimestamp;
    private volatile BudgetRule[] _rules;
    private volatile SpendPlan? _lastPlan;
    private long _idSequence;
    private int _throttleGateCount;
    private int _sweeping;

    /// <summary>Initializes a new instance of the <see cref="SpendLedger"/> class.</summary>
    /// <param name="options">The options; validated here.</param>
    /// <param name="store">Where spend is kept; the caller owns it.</param>
    /// <param name="timeProvider">The clock; defaults to the system clock.</param>
    /// <param name="logger">The logger.</param>
    /// <param name="meterFactory">Creates the <c>ResourceKit.Cost</c> meter.</param>
    /// <exception cref="ArgumentException">
    /// The options are invalid, or <paramref name="store"/> is a <see cref="RedisSpendStore"/> and
    /// <see cref="CostOptions.ExpirySweepInterval"/> is longer than <see cref="RedisSpendStore.MaxExpirySweepInterval"/>.
    /// </exception>
    public SpendLedger(
        CostOptions options,
        ISpendStore store,
        TimeProvider? timeProvider = null,
        ILogger<SpendLedger>? logger = null,
        IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(store);
        options.ThrowIfInvalid();
        if (store is RedisSpendStore && options.ExpirySweepInterval > RedisSpendStore.MaxExpirySweepInterval)
        {
            // Options name the store only in DI; a Redis store handed in directly is checked here.
            throw new ArgumentException(CostOptions.RedisSweepIntervalError(options.ExpirySweepInterval), nameof(options));
        }

        _store = store;
        _synchronousStore = store as ISynchronousSpendStore;
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _metrics = new CostMetrics(meterFactory, () => store.UnsavedSpend);
        Calendar = new BudgetCalendar(options.EffectiveTimeZone());
        _reservationTimeToLive = options.ReservationTimeToLive;
        _throttleInterval = options.ThrottleInterval;
        _maxReservationCost = options.MaxReservationCost;
        _defaultThresholds = options.EffectiveSoftThresholds();
        _rules = [.. options.EffectiveRules()];
        _expiryClockOrigin = _time.GetUtcNow();
        _expiryClockOriginTimestamp = _time.GetTimestamp();

        // Reservation ids are this random prefix plus a sequence number: unique across processes sharing a
        // store like a GUID, without asking the OS for randomness on every call.
        Span<byte> prefix = stackalloc byte[sizeof(ulong)];
        System.Security.Cryptography.RandomNumberGenerator.Fill(prefix);
        _idPrefix = BitConverter.ToUInt64(prefix);
        _sweepTimer = _time.CreateTimer(_ => _ = SweepAsync(), null, options.ExpirySweepInterval, options.ExpirySweepInterval);
        _renewals = new ReservationRenewalSchedule(this, _time, _reservationTimeToLive / 3, _logger);
    }

    /// <summary>
    /// Raised the first time settled spend reaches a soft threshold of a rule in a period. Neither this nor the limit
    /// events are raised for a period that has already ended, as when a reservation taken in it settles later.
    /// </summary>
    public event EventHandler<BudgetThresholdEventArgs>? ThresholdReached;

    /// <summary>
    /// Raised once per rule and period, the first time settled spend reaches the rule's limit or a
    /// <see cref="BudgetAction.Block"/> or <see cref="BudgetAction.Shutdown"/> rule refuses a reservation that would
    /// not fit even if no other reservation were open (counting at most <see cref="CostOptions.MaxReservationCost"/>
    /// of the requested amount). A refusal caused only by other callers' open holds raises nothing: they may yet be released.
    /// </summary>
    public event EventHandler<BudgetLimitEventArgs>? LimitReached;

    /// <summary>Raised with <see cref="LimitReached"/> when the rule is a <see cref="BudgetAction.Shutdown"/> rule; the host should stop.</summary>
    public event EventHandler<BudgetLimitEventArgs>? ShutdownRequested;

    /// <summary>Gets the calendar that maps instants to periods.</summary>
    public BudgetCalendar Calendar { get; }

    /// <summary>Gets a copy of the rules in force.</summary>
    public IReadOnlyList<BudgetRule> Rules => [.. _rules.Select(r => r.Clone())];

    /// <summary>Gets the money held by this instance's open reservations.</summary>
    public decimal LocalReserved => (decimal)_metrics.Reserved;

    /// <summary>
    /// Gets the committed spend the store counts but has not yet saved where it lasts (see
    /// <see cref="ISpendStore.UnsavedSpend"/>): spend the file store's disk or Redis refused for now, kept in this
    /// process and written by the store once it can. A process that ends first loses it.
    /// </summary>
    public decimal UnsavedSpend => _store.UnsavedSpend;

    /// <summary>
    /// Replaces the rules at run time. A rule that changed or was removed loses what the ledger remembered about it
    /// in the current periods: its throttle gate, its limit-reached mark (<see cref="BudgetRuleStatus.IsLimitReached"/>)
    /// and which of its events were raised, so a raised limit admits calls again and its events fire at the new levels.
    /// A rule passed again unchanged keeps them. Calls reserved before the change and settled after it no longer judge
    /// a changed or removed rule against its old limit: they set none of its state and raise none of its events (nor
    /// <see cref="ShutdownRequested"/>); spend over the new limit sets them at the next reserve or settle. The
    /// <c>resourcekit.cost.budget.utilization</c> gauge of a changed or removed rule is not reported until spend is
    /// observed under the new rules, and such calls do not write it: it would be measured against the old limit.
    /// A reservation whose store check was already under way when the rules changed is checked against the limits it
    /// was planned with, as if it had been made just before the change.
    /// </summary>
    /// <param name="rules">The new rules.</param>
    /// <exception cref="ArgumentException">A rule is invalid or two share a name.</exception>
    public void ReplaceRules(IEnumerable<BudgetRule> rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        var copy = rules.Select(r => (r ?? throw new ArgumentException("A rule is null.", nameof(rules))).Clone()).ToArray();
        var errors = copy.SelectMany((r, i) => r.Validate($"rules[{i}]"))
            .Concat(copy.GroupBy(r => r.Name, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => $"The rule name '{g.Key}' is used more than once."))
            .ToList();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", errors), nameof(rules));
        }

        // Under the lock that observations take before they set a gate or an event key, so a settle of a call reserved
        // under the old rules either sets them before they are forgotten or sees that its rule was replaced.
        lock (_rulesLock)
        {
            var previous = _rules;
            _rules = copy;
            foreach (var rule in previous)
            {
                if (!Array.Exists(copy, r => r.IsSameAs(rule)))
                {
                    Forget(rule.Name);

                    // Its last reading was against the old limit (or of a rule that is gone): unknown until spend is observed again.
                    _metrics.ForgetUtilization(rule.Name);
                }
            }
        }
    }

    /// <summary>
    /// Atomically checks every rule that applies and, if all allow it, holds <paramref name="amount"/> until the
    /// reservation is settled, released or expires.
    /// </summary>
    /// <param name="attribution">Whom the spend is charged to.</param>
    /// <param name="amount">The estimated cost to hold.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The reservation, or why it was refused.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="amount"/> is negative.</exception>
    public ValueTask<BudgetReservationResult> TryReserveAsync(
        SpendAttribution attribution, decimal amount, CancellationToken cancellationToken = default) =>
        TryReserveAsync(attribution, amount, amount, cancellationToken);

    /// <summary>
    /// Atomically checks every rule that applies against the larger of <paramref name="amount"/> and
    /// <paramref name="limitCheckAmount"/> and, if all allow it, holds that larger amount until the reservation is
    /// settled, released or expires. A hold always counts against the Block and Shutdown limits what it was checked
    /// against: holding less would let parallel callers each be checked against room the others may still spend.
    /// </summary>
    /// <param name="attribution">Whom the spend is charged to.</param>
    /// <param name="amount">The estimated cost.</param>
    /// <param name="limitCheckAmount">A larger amount to check and hold instead, such as a call's full estimate; ignored when smaller.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The reservation, or why it was refused (the denial names the checked amount).</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="amount"/> or <paramref name="limitCheckAmount"/> is negative.</exception>
    public ValueTask<BudgetReservationResult> TryReserveAsync(
        SpendAttribution attribution, decimal amount, decimal limitCheckAmount, CancellationToken cancellationToken = default)
    {
        try
        {
            ArgumentOutOfRangeException.ThrowIfNegative(amount);
            ArgumentOutOfRangeException.ThrowIfNegative(limitCheckAmount);
            var now = _time.GetUtcNow();
            var plan = CreatePlan(attribution, now);
            var throttled = CheckThrottles(plan, now, amount, consume: true);
            if (!throttled.IsAllowed)
            {
                return new(new BudgetReservationResult(throttled, null));
            }

            var expiryNow = ExpiryNow(now);
            // The hold is what the limits were checked against: were it smaller, parallel callers would each be
            // checked against room that the others' calls may still spend.
            var held = Math.Max(amount, limitCheckAmount);
            var ticket = new LedgerReservation(NewReservationId(), held, expiryNow + _reservationTimeToLive, plan.CounterList);
            if (_synchronousStore is not { } store)
            {
                return ReserveThroughStoreAsync(plan, ticket, expiryNow, cancellationToken);
            }

            // The memory and file stores finish under their lock: no async machinery, totals on the stack.
            Span<decimal> committed = stackalloc decimal[plan.Counters.Length];
            Span<decimal> reserved = stackalloc decimal[plan.Counters.Length];
            var granted = store.TryReserve(ticket, plan.Limits, expiryNow, new ObservedTotals(plan.ObservedCounters, committed, reserved), out var failedLimitIndex);
            return new(CompleteReservation(plan, ticket, granted, failedLimitIndex, committed, reserved));
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Fail through the returned task, as an async method would.
            return ValueTask.FromException<BudgetReservationResult>(ex);
        }
    }

    /// <summary>Settles a reservation at the actual cost, committing it even if the reservation has expired.</summary>
    /// <param name="reservation">The reservation.</param>
    /// <param name="actualCost">The actual cost.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns><see langword="false"/> when the reservation was already settled or released.</returns>
    /// <remarks>
    /// If the store fails, the exception reaches the caller and the reservation stays open, so the settle can be
    /// retried. With a remote store a timeout is ambiguous (the spend may have been committed before the reply was
    /// lost); <see cref="RedisSpendStore"/> settles each reservation id once, so such a retry is not charged twice.
    /// When Redis cannot be reached at all, <see cref="RedisSpendStore"/> keeps the spend in this process and writes it
    /// with its next operation that reaches Redis (see <see cref="RedisSpendStore.UnsavedSpend"/>); the settle then
    /// returns <see langword="true"/> without throwing (also when a store wrapping it throws
    /// <see cref="SpendKeptException"/>), and the thresholds and limits it reaches are observed with the next
    /// operation that returns totals. A store that already keeps <see cref="RedisSpendStore.MaxUnsavedEntries"/>
    /// entries keeps no more: the Redis error reaches the caller and the reservation stays open, as above.
    /// <paramref name="cancellationToken"/> does not cancel a settle the store has sent. With
    /// <see cref="RedisSpendStore"/>, cancelled while the settle waits for spend kept earlier to be written, the settle
    /// is not sent but kept like one Redis could not take, and returns <see langword="true"/>: a caller handed the
    /// cancellation would give up on it and the spend would be lost once the hold lapsed. Only past
    /// <see cref="RedisSpendStore.MaxUnsavedEntries"/> does the <see cref="OperationCanceledException"/> reach the
    /// caller, with the reservation open and nothing sent.
    /// </remarks>
    public ValueTask<bool> SettleAsync(BudgetReservation reservation, decimal actualCost, CancellationToken cancellationToken = default)
    {
        try
        {
            ArgumentNullException.ThrowIfNull(reservation);
            ArgumentOutOfRangeException.ThrowIfNegative(actualCost);
            if (!TryClose(reservation))
            {
                return new(false);
            }

            if (_synchronousStore is not { } store)
            {
                return SettleThroughStoreAsync(reservation, actualCost, cancellationToken);
            }

            Span<decimal> committed = stackalloc decimal[reservation.Plan.Counters.Length];
            Span<decimal> reserved = stackalloc decimal[reservation.Plan.Counters.Length];
            try
            {
                store.Settle(reservation.Ticket, actualCost, new ObservedTotals(reservation.Plan.ObservedCounters, committed, reserved));
            }
            catch
            {
                Reopen(reservation);
                throw;
            }

            CompleteSettlement(reservation, actualCost, committed, reserved);
            return new(true);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return ValueTask.FromException<bool>(ex);
        }
    }

    /// <summary>Releases a reservation without spending, for a call that failed or was cancelled.</summary>
    /// <param name="reservation">The reservation.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns><see langword="false"/> when the reservation was already settled or released.</returns>
    /// <remarks>If the store fails, the exception reaches the caller and the reservation stays open.</remarks>
    public async ValueTask<bool> ReleaseAsync(BudgetReservation reservation, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reservation);
        if (!TryClose(reservation))
        {
            return false;
        }

        try
        {
            await _store.ReleaseAsync(reservation.Ticket, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            Reopen(reservation);
            throw;
        }

        return true;
    }

    /// <summary>Records spend that was not reserved beforehand.</summary>
    /// <param name="attribution">Whom the spend is charged to.</param>
    /// <param name="amount">The cost.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>
    /// A task that completes when the spend is stored, or, with <see cref="RedisSpendStore"/> while Redis cannot be
    /// reached, kept in this process to be written by the store's next operation that reaches Redis (also when a store
    /// wrapping it throws <see cref="SpendKeptException"/>; not past <see cref="RedisSpendStore.MaxUnsavedEntries"/>).
    /// When the task fails, the spend is not counted, except when it fails with
    /// <see cref="SpendOutcomeUnknownException"/>: the Redis store, already keeping
    /// <see cref="RedisSpendStore.MaxUnsavedEntries"/> entries, sent the record and lost its reply, so it may have been
    /// counted; do not retry it (a retry is new spend). With <see cref="RedisSpendStore"/>, a cancellation of
    /// <paramref name="cancellationToken"/> while the record waits for spend kept earlier to be written keeps the
    /// record like one Redis could not take, and the task completes; past
    /// <see cref="RedisSpendStore.MaxUnsavedEntries"/> it fails with <see cref="OperationCanceledException"/> and the
    /// record, not sent, is not counted. A record the store has sent is not cancelled.
    /// </returns>
    /// <exception cref="SpendOutcomeUnknownException">The record may or may not have been counted; do not retry.</exception>
    public async ValueTask RecordAsync(SpendAttribution attribution, decimal amount, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(amount);
        var plan = CreatePlan(attribution, _time.GetUtcNow());
        LedgerTotals? totals;
        try
        {
            totals = await _store.RecordAsync(plan.CounterList, amount, cancellationToken).ConfigureAwait(false);
        }
        catch (SpendKeptException)
        {
            // The store (Redis, or one wrapping it) kept the spend to write later: it is counted.
            totals = null;
        }

        _metrics.Spent(amount, plan.Attribution);
        if (totals is null)
        {
            // Kept by the store until it reaches its server (see SettleThroughStoreAsync).
            return;
        }

        Observe(plan, AsSpan(totals.Committed), AsSpan(totals.Reserved));
    }

    /// <summary>Asks, without reserving, whether a request of <paramref name="amount"/> may proceed now.</summary>
    /// <param name="attribution">Whom the spend would be charged to.</param>
    /// <param name="amount">The estimated cost.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The decision; a later reservation may still be refused if others spend first.</returns>
    public async ValueTask<BudgetDecision> CheckAsync(SpendAttribution attribution, decimal amount, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(amount);
        var now = _time.GetUtcNow();
        var plan = CreatePlan(attribution, now);
        foreach (var status in await GetStatusAsync(plan, cancellationToken).ConfigureAwait(false))
        {
            if (status.Action is BudgetAction.Block or BudgetAction.Shutdown && status.Committed + status.Reserved + amount > status.Limit)
            {
                var denial = new BudgetDenial(status.RuleName, status.Action, status.Period.Window, status.Period.Key, status.Scope, status.Limit, status.Committed, status.Reserved, amount);
                return new BudgetDecision(BudgetStatus.Blocked, denial, TimeSpan.Zero);
            }
        }

        return CheckThrottles(plan, now, amount, consume: false);
    }

    /// <summary>Returns where every rule that applies to <paramref name="attribution"/> stands, with what remains.</summary>
    /// <param name="attribution">Whom the spend would be charged to.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>One status per applying rule.</returns>
    public ValueTask<IReadOnlyList<BudgetRuleStatus>> GetStatusAsync(SpendAttribution attribution, CancellationToken cancellationToken = default) =>
        GetStatusAsync(CreatePlan(attribution, _time.GetUtcNow()), cancellationToken);

    /// <summary>Stops the expiry sweep, the renewal of running calls' holds and the meter. The store is not disposed.</summary>
    public void Dispose()
    {
        _sweepTimer.Dispose();
        _renewals.Dispose();
        _metrics.Dispose();
    }

    internal CostMetrics Metrics => _metrics;

    internal ReservationRenewalSchedule Renewals => _renewals;

    private SpendPlan CreatePlan(SpendAttribution attribution, DateTimeOffset now)
    {
        // Plans are reused until the shortest period (the hour) ends or the rules change: building one costs
        // time-zone conversions and a few dozen strings, which would otherwise be paid on every call.
        var rules = _rules;
        var last = _lastPlan;
        if (last is not null && last.Key == attribution && last.IsValidFor(now, rules))
        {
            return last;
        }

        if (_plans.TryGetValue(attribution, out var cached) && cached.IsValidFor(now, rules))
        {
            _lastPlan = cached;
            return cached;
        }

        attribution.Validate();
        var normalized = new SpendAttribution(
            SpendAttribution.Normalize(attribution.Category), SpendAttribution.Normalize(attribution.Model), SpendAttribution.Normalize(attribution.Agent));
        var plan = SpendPlan.Create(Calendar, rules, _defaultThresholds, attribution, normalized, now, _metrics);
        if (_plans.Count >= MaxCachedPlans)
        {
            _plans.Clear();
        }

        _plans[attribution] = plan;
        _lastPlan = plan;
        return plan;
    }
}
