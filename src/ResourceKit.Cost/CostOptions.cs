using ResourceKit.Cost.Budgets;
using ResourceKit.Cost.Ledger;
using ResourceKit.Cost.Pricing;
using ResourceKit.Cost.RateLimiting;
using ResourceKit.Cost.Tiering;

namespace ResourceKit.Cost;

/// <summary>Options of the cost package: prices, budget rules, reservations, the spend store, rate limits, retries and tiering.</summary>
/// <remarks>
/// Lists are empty by default and the defaults are applied when they stay empty, because configuration binding
/// appends to a list rather than replacing it.
/// </remarks>
public sealed class CostOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "ResourceKit:Cost";

    /// <summary>The default time zone.</summary>
    public const string DefaultTimeZoneId = "UTC";

    /// <summary>The default time a reservation is held before it expires (5 minutes).</summary>
    public static readonly TimeSpan DefaultReservationTimeToLive = TimeSpan.FromMinutes(5);

    /// <summary>
    /// The longest allowed <see cref="ReservationTimeToLive"/> (1 day). Holds are renewed every third of the time to
    /// live on a timer, and a timer period has a maximum (about 49.7 days); a crashed caller's money should also come
    /// back within a day rather than block a budget for weeks.
    /// </summary>
    public static readonly TimeSpan MaxReservationTimeToLive = TimeSpan.FromDays(1);

    /// <summary>
    /// The longest <see cref="ExpirySweepInterval"/>, <see cref="ThrottleInterval"/> and <see cref="MaxRetryAfter"/>
    /// (4,294,967,294 ms, about 49.7 days): each becomes a timer period or delay, and timers accept no longer.
    /// </summary>
    public static readonly TimeSpan MaxTimerInterval = TimeSpan.FromMilliseconds(uint.MaxValue - 1d);

    /// <summary>The default interval between sweeps of expired reservations (30 seconds).</summary>
    public static readonly TimeSpan DefaultExpirySweepInterval = TimeSpan.FromSeconds(30);

    /// <summary>The default interval between admissions once a throttle rule is over its limit (10 seconds).</summary>
    public static readonly TimeSpan DefaultThrottleInterval = TimeSpan.FromSeconds(10);

    /// <summary>The default longest wait the chat middleware spends on a throttle before giving up (30 seconds).</summary>
    public static readonly TimeSpan DefaultMaxThrottleWait = TimeSpan.FromSeconds(30);

    /// <summary>The default longest provider <c>Retry-After</c> honoured (60 seconds).</summary>
    public static readonly TimeSpan DefaultMaxRetryAfter = TimeSpan.FromSeconds(60);

    /// <summary>The default first retry delay (1 second).</summary>
    public static readonly TimeSpan DefaultRetryBaseDelay = TimeSpan.FromSeconds(1);

    /// <summary>The default size of an ordinary call (see <see cref="MaxReservationCost"/>), in US dollars.</summary>
    public const double DefaultMaxReservationCost = 1.0;

    /// <summary>The default output tokens assumed when a request sets no maximum.</summary>
    public const int DefaultMaxOutputTokens = 4096;

    /// <summary>The default characters per token used to estimate input tokens.</summary>
    public const double DefaultCharactersPerToken = 4.0;

    /// <summary>The default retry attempts for transient provider errors.</summary>
    public const int DefaultMaxRetryAttempts = 3;

    /// <summary>The default category of a call.</summary>
    public const string DefaultCategory = "chat";

    /// <summary>Gets or sets the IANA or Windows id of the time zone whose calendar defines the windows.</summary>
    /// <value>The default value is <c>UTC</c>.</value>
    public string TimeZoneId { get; set; } = DefaultTimeZoneId;

    /// <summary>Gets or sets a time zone object that overrides <see cref="TimeZoneId"/>, for zones created in code.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public TimeZoneInfo? TimeZone { get; set; }

    /// <summary>Gets or sets the prices; they replace seed prices of the same provider and model.</summary>
    public IList<ModelPrice> Prices { get; set; } = [];

    /// <summary>Gets or sets a value indicating whether the seed prices (<see cref="PriceCatalog.CreateSeedPrices"/>) are included.</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool IncludeSeedPrices { get; set; } = true;

    /// <summary>Gets or sets the price of unknown models; <see langword="null"/> fails closed.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public ModelPrice? FallbackPrice { get; set; }

    /// <summary>Gets or sets the budget rules; when empty the seed defaults apply (see <see cref="CreateDefaultRules"/>).</summary>
    public IList<BudgetRule> Rules { get; set; } = [];

    /// <summary>Gets or sets the soft thresholds for rules that name none; when empty 0.8 and 0.9 apply.</summary>
    public IList<double> SoftThresholds { get; set; } = [];

    /// <summary>
    /// Gets or sets how long a reservation is held, after it was taken or last renewed, before it expires. The chat
    /// middleware renews running calls every third of this, so only the holds of callers that died lapse. At most
    /// <see cref="MaxReservationTimeToLive"/> (1 day).
    /// </summary>
    /// <value>The default value is 5 minutes.</value>
    public TimeSpan ReservationTimeToLive { get; set; } = DefaultReservationTimeToLive;

    /// <summary>
    /// Gets or sets the interval between sweeps of expired reservations; at most <see cref="MaxTimerInterval"/>, and
    /// with the Redis store at most <see cref="RedisSpendStore.MaxExpirySweepInterval"/> (15 minutes), as the sweep also
    /// writes spend kept while Redis could not take it, and must do so well within the hour its settle marker lives.
    /// </summary>
    /// <value>The default value is 30 seconds.</value>
    public TimeSpan ExpirySweepInterval { get; set; } = DefaultExpirySweepInterval;

    /// <summary>
    /// Gets or sets the size of an ordinary call: a Block or Shutdown rule that refuses a reservation because committed
    /// spend alone leaves less room than this (or than the request, when smaller) has reached its limit, and raises
    /// <see cref="SpendLedger.LimitReached"/>. It does not cap what a call holds: a hold counts its full estimate
    /// against the limits, or parallel calls could together pass them.
    /// </summary>
    /// <value>The default value is $1.</value>
    public decimal MaxReservationCost { get; set; } = (decimal)DefaultMaxReservationCost;

    /// <summary>Gets or sets the output tokens reserved when a request sets no maximum.</summary>
    /// <value>The default value is 4096.</value>
    public int DefaultOutputTokens { get; set; } = DefaultMaxOutputTokens;

    /// <summary>Gets or sets the characters per token used to estimate the input of a request.</summary>
    /// <value>The default value is 4.</value>
    public double CharactersPerToken { get; set; } = DefaultCharactersPerToken;

    /// <summary>Gets or sets the interval between admissions once a throttle rule is over its limit; at most <see cref="MaxTimerInterval"/>.</summary>
    /// <value>The default value is 10 seconds.</value>
    public TimeSpan ThrottleInterval { get; set; } = DefaultThrottleInterval;

    /// <summary>Gets or sets the longest the chat middleware waits on a throttle before throwing.</summary>
    /// <value>The default value is 30 seconds.</value>
    public TimeSpan MaxThrottleWait { get; set; } = DefaultMaxThrottleWait;

    /// <summary>Gets or sets which spend store the DI registration creates.</summary>
    /// <value>The default value is <see cref="SpendStoreKind.File"/>.</value>
    public SpendStoreKind Store { get; set; } = SpendStoreKind.File;

    /// <summary>Gets or sets the snapshot path of the file store; <see langword="null"/> uses the local application data folder.</summary>
    public string? StoreFilePath { get; set; }

    /// <summary>
    /// Gets or sets the StackExchange.Redis configuration string of the Redis store. The DI registration requires it
    /// when <see cref="Store"/> is Redis and no <c>IConnectionMultiplexer</c> is registered (a registered one is used
    /// instead); <see cref="Validate"/> does not check it, as a store created with <c>new</c> does not use it.
    /// </summary>
    public string? RedisConfiguration { get; set; }

    /// <summary>Gets or sets the key prefix of the Redis store.</summary>
    /// <value>The default value is <c>resourcekit:cost</c>.</value>
    public string RedisKeyPrefix { get; set; } = RedisSpendStore.DefaultKeyPrefix;

    /// <summary>
    /// Gets or sets how many settles and records the Redis store the DI registration creates keeps in this process
    /// while Redis cannot take them (<see cref="RedisSpendStore.MaxUnsavedEntries"/>); past it they fail instead.
    /// Must be greater than zero.
    /// </summary>
    /// <value>The default value is <see cref="RedisSpendStore.DefaultMaxUnsavedEntries"/> (10,000).</value>
    public int RedisMaxUnsavedEntries { get; set; } = RedisSpendStore.DefaultMaxUnsavedEntries;

    /// <summary>
    /// Gets or sets the per-minute limits; when empty the seed default applies (OpenAI: 60 requests and 60,000 input
    /// tokens a minute). Each provider and model (compared case-insensitively, trimmed) may be listed once.
    /// </summary>
    public IList<ModelRateLimit> RateLimits { get; set; } = [];

    /// <summary>Gets or sets the longest provider <c>Retry-After</c> honoured; at most <see cref="MaxTimerInterval"/>.</summary>
    /// <value>The default value is 60 seconds.</value>
    public TimeSpan MaxRetryAfter { get; set; } = DefaultMaxRetryAfter;

    /// <summary>Gets or sets the retry attempts for transient provider errors; 0 disables retries.</summary>
    /// <value>The default value is 3.</value>
    public int MaxRetryAttempts { get; set; } = DefaultMaxRetryAttempts;

    /// <summary>Gets or sets the first retry delay; later ones grow exponentially with jitter.</summary>
    /// <value>The default value is 1 second.</value>
    public TimeSpan RetryBaseDelay { get; set; } = DefaultRetryBaseDelay;

    /// <summary>Gets or sets the category charged when a call names none.</summary>
    /// <value>The default value is <c>chat</c>.</value>
    public string Category { get; set; } = DefaultCategory;

    /// <summary>Gets or sets the agent charged when a call names none.</summary>
    /// <value>The default value is <c>default</c>.</value>
    public string Agent { get; set; } = SpendAttribution.Unspecified;

    /// <summary>Gets or sets the model tiering options.</summary>
    public ModelTieringOptions Tiering { get; set; } = new();

    /// <summary>Returns the seed's default rules: $5 an hour throttle, $50 a day block, $1000 a month shutdown.</summary>
    /// <returns>A new list.</returns>
    public static List<BudgetRule> CreateDefaultRules() =>
    [
        new() { Name = "hourly_limit", Limit = 5m, Window = BudgetWindow.Hourly, Action = BudgetAction.Throttle },
        new() { Name = "daily_limit", Limit = 50m, Window = BudgetWindow.Daily, Action = BudgetAction.Block },
        new() { Name = "monthly_limit", Limit = 1000m, Window = BudgetWindow.Monthly, Action = BudgetAction.Shutdown },
    ];

    /// <summary>Returns the seed's default rate limit: OpenAI, 60 requests and 60,000 input tokens a minute.</summary>
    /// <returns>A new list.</returns>
    public static List<ModelRateLimit> CreateDefaultRateLimits() =>
    [
        new() { Provider = "openai", Model = "*", RequestsPerMinute = 60, InputTokensPerMinute = 60_000 },
    ];

    /// <summary>Lists every problem with the options at once.</summary>
    /// <returns>The problems; empty when valid.</returns>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (TimeZone is null && (string.IsNullOrWhiteSpace(TimeZoneId) || !TimeZoneInfo.TryFindSystemTimeZoneById(TimeZoneId, out _)))
        {
            errors.Add($"TimeZoneId '{TimeZoneId}' is not a known time zone.");
        }

        errors.AddRange((Prices ?? []).SelectMany((p, i) => p.Validate($"Prices[{i}]")));
        if (FallbackPrice is not null)
        {
            errors.AddRange(FallbackPrice.Validate(nameof(FallbackPrice), requireIdentity: false));
        }

        var rules = EffectiveRules();
        errors.AddRange(rules.SelectMany((r, i) => r.Validate($"Rules[{i}]")));
        errors.AddRange(rules.GroupBy(r => r.Name, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => $"Rules: the name '{g.Key}' is used more than once."));
        errors.AddRange((SoftThresholds ?? []).Where(t => t is <= 0 or >= 1 || double.IsNaN(t)).Select(t => $"SoftThresholds value {t} must be between 0 and 1 (exclusive)."));
        errors.AddRange((RateLimits ?? []).SelectMany((r, i) => r.Validate($"RateLimits[{i}]")));
        errors.AddRange(ModelRateLimit.FindDuplicates(RateLimits ?? []).Select(d => $"RateLimits: {d}"));
        errors.AddRange((Tiering ?? new()).Validate(nameof(Tiering)));
        Positive(errors, nameof(ReservationTimeToLive), ReservationTimeToLive);
        if (ReservationTimeToLive > MaxReservationTimeToLive)
        {
            errors.Add($"ReservationTimeToLive must be at most {MaxReservationTimeToLive} (was {ReservationTimeToLive}).");
        }

        TimerInterval(errors, nameof(ExpirySweepInterval), ExpirySweepInterval);
        TimerInterval(errors, nameof(ThrottleInterval), ThrottleInterval);
        TimerInterval(errors, nameof(MaxRetryAfter), MaxRetryAfter);
        Positive(errors, nameof(RetryBaseDelay), RetryBaseDelay);
        if (MaxThrottleWait < TimeSpan.Zero)
        {
            errors.Add($"MaxThrottleWait must not be negative (was {MaxThrottleWait}).");
        }

        if (MaxReservationCost <= 0)
        {
            errors.Add($"MaxReservationCost must be greater than zero (was {MaxReservationCost}).");
        }

        if (DefaultOutputTokens <= 0)
        {
            errors.Add($"DefaultOutputTokens must be greater than zero (was {DefaultOutputTokens}).");
        }

        if (CharactersPerToken <= 0 || double.IsNaN(CharactersPerToken))
        {
            errors.Add($"CharactersPerToken must be greater than zero (was {CharactersPerToken}).");
        }

        if (MaxRetryAttempts is < 0 or > 100)
        {
            errors.Add($"MaxRetryAttempts must be between 0 and 100 (was {MaxRetryAttempts}).");
        }

        if (RedisMaxUnsavedEntries <= 0)
        {
            errors.Add($"RedisMaxUnsavedEntries must be greater than zero (was {RedisMaxUnsavedEntries}).");
        }

        if (Store == SpendStoreKind.Redis && ExpirySweepInterval > RedisSpendStore.MaxExpirySweepInterval)
        {
            errors.Add(RedisSweepIntervalError(ExpirySweepInterval));
        }

        if (!Enum.IsDefined(Store))
        {
            errors.Add($"Store '{Store}' is unknown; use File, Memory or Redis.");
        }

        return errors;
    }

    /// <summary>The error for a sweep too rare for the Redis store's settle markers.</summary>
    /// <param name="interval">The sweep interval.</param>
    /// <returns>The message.</returns>
    internal static string RedisSweepIntervalError(TimeSpan interval) =>
        $"ExpirySweepInterval must be at most {RedisSpendStore.MaxExpirySweepInterval} with the Redis store (was {interval}): the sweep writes spend kept while Redis could not take it, and must run several times within the {RedisSpendStore.SettleMarkerLifetime} a settle's marker lives, or spend whose reply was lost could be charged twice.";

    /// <summary>Throws when the options are invalid, listing every problem.</summary>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public void ThrowIfInvalid()
    {
        var errors = Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid CostOptions: " + string.Join(" ", errors));
        }
    }

    internal TimeZoneInfo EffectiveTimeZone() => TimeZone ?? TimeZoneInfo.FindSystemTimeZoneById(TimeZoneId);

    internal List<BudgetRule> EffectiveRules() => Rules is { Count: > 0 } ? Rules.Select(r => r.Clone()).ToList() : CreateDefaultRules();

    internal IReadOnlyList<double> EffectiveSoftThresholds() => SoftThresholds is { Count: > 0 } ? [.. SoftThresholds] : [0.8, 0.9];

    internal List<ModelRateLimit> EffectiveRateLimits() => RateLimits is { Count: > 0 } ? [.. RateLimits] : CreateDefaultRateLimits();

    internal List<ModelPrice> EffectivePrices() => [.. IncludeSeedPrices ? PriceCatalog.CreateSeedPrices() : [], .. Prices ?? []];

    private static void TimerInterval(List<string> errors, string name, TimeSpan value)
    {
        Positive(errors, name, value);
        if (value > MaxTimerInterval)
        {
            errors.Add($"{name} must be at most {MaxTimerInterval} (what a timer accepts; was {value}).");
        }
    }

    private static void Positive(List<string> errors, string name, TimeSpan value)
    {
        if (value <= TimeSpan.Zero)
        {
            errors.Add($"{name} must be greater than zero (was {value}).");
        }
    }
}
