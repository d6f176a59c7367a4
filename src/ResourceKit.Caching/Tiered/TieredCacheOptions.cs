using System.ComponentModel.DataAnnotations;
using System.IO.Compression;
using ResourceKit.Caching.Compression;
using ResourceKit.Caching.Disk;
using ResourceKit.Caching.Redis;

namespace ResourceKit.Caching;

/// <summary>Options for <see cref="TieredCache"/>.</summary>
public sealed class TieredCacheOptions
{
    /// <summary>The default application name, the first part of every key.</summary>
    public const string DefaultApplicationName = "resourcekit";

    /// <summary>The default tenant, the second part of every key.</summary>
    public const string DefaultTenantId = "default";

    /// <summary>The default size above which values are compressed: 1 KiB.</summary>
    public const int DefaultCompressionThresholdBytes = 1024;

    /// <summary>The default L1 capacity in entries.</summary>
    public const long DefaultMemoryCapacity = 10_000;

    /// <summary>The default failure ratio that opens the circuit breaker.</summary>
    public const double DefaultCircuitFailureRatio = 0.5;

    /// <summary>The default number of calls in a sampling window before the breaker may open.</summary>
    public const int DefaultCircuitMinimumThroughput = 4;

    /// <summary>The default session length: 30 minutes.</summary>
    public static readonly TimeSpan DefaultSessionTimeToLive = TimeSpan.FromMinutes(30);

    /// <summary>The default time an expired value stays available to fail-safe: one hour.</summary>
    public static readonly TimeSpan DefaultFailSafeMaxDuration = TimeSpan.FromHours(1);

    /// <summary>The default time the distributed tier is skipped after the breaker opens.</summary>
    public static readonly TimeSpan DefaultCircuitBreakDuration = TimeSpan.FromSeconds(15);

    /// <summary>The default number of keys tracked for recovery after the distributed tier failed.</summary>
    public const int DefaultRecoveryCapacity = 10_000;

    /// <summary>The default window over which distributed-tier failures are counted.</summary>
    public static readonly TimeSpan DefaultCircuitSamplingDuration = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Gets or sets the application name; keys and the backplane channel are prefixed with it. It must not contain
    /// <c>:</c>, the separator of the key parts (validated at start).
    /// </summary>
    /// <value>The default value is <see cref="DefaultApplicationName"/>.</value>
    [Required]
    public string ApplicationName { get; set; } = DefaultApplicationName;

    /// <summary>
    /// Gets or sets the tenant; keys are prefixed with it, so tenants never read each other's values. It must not
    /// contain <c>:</c>, the separator of the key parts (validated at start), or tenant <c>a</c> with key <c>b:c</c>
    /// and tenant <c>a:b</c> with key <c>c</c> would share one entry.
    /// </summary>
    /// <value>The default value is <see cref="DefaultTenantId"/>.</value>
    [Required]
    public string TenantId { get; set; } = DefaultTenantId;

    /// <summary>Gets or sets the policy used when a call names none; it must be a key of <see cref="Policies"/>.</summary>
    /// <value>The default value is <see cref="CachePolicyNames.Default"/>.</value>
    [Required]
    public string DefaultPolicy { get; set; } = CachePolicyNames.Default;

    /// <summary>Gets the policies by name, pre-filled with the seed's cache strategy matrix (see <see cref="CachePolicyNames"/>).</summary>
    public Dictionary<string, CachePolicy> Policies { get; } = new(StringComparer.OrdinalIgnoreCase)
    {
        [CachePolicyNames.Default] = CachePolicy.Create(CacheTiers.Memory | CacheTiers.Disk, TimeSpan.FromHours(1)),
        [CachePolicyNames.LlmResponses] = CachePolicy.Create(CacheTiers.Memory | CacheTiers.Disk, TimeSpan.FromHours(1)),
        [CachePolicyNames.Embeddings] = CachePolicy.Create(CacheTiers.All, TimeSpan.FromHours(24)),
        [CachePolicyNames.UserPreferences] = CachePolicy.Create(CacheTiers.All, DefaultSessionTimeToLive, session: true),
        [CachePolicyNames.BrowserPages] = CachePolicy.Create(CacheTiers.Disk, TimeSpan.FromMinutes(5)),
        [CachePolicyNames.SystemConfiguration] = CachePolicy.Create(CacheTiers.Memory | CacheTiers.Disk, TimeSpan.FromHours(1)),
        [CachePolicyNames.ConversationHistory] = CachePolicy.Create(CacheTiers.Memory, DefaultSessionTimeToLive, session: true),
    };

    /// <summary>Gets or sets how long a session value lives (policies with <see cref="CachePolicy.Session"/>).</summary>
    /// <value>The default value is <see cref="DefaultSessionTimeToLive"/>.</value>
    [Range(typeof(TimeSpan), "00:00:01", "365.00:00:00")]
    public TimeSpan SessionTimeToLive { get; set; } = DefaultSessionTimeToLive;

    /// <summary>
    /// Gets or sets a value indicating whether a session value is renewed when read in the second half of its
    /// life (sliding), rather than expiring a fixed time after it was written (absolute).
    /// </summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool SessionSlidingExpiration { get; set; } = true;

    /// <summary>Gets or sets the L1 options; <see cref="TinyLfuCacheOptions.Capacity"/> counts entries.</summary>
    /// <value>The default value is a capacity of <see cref="DefaultMemoryCapacity"/> entries named <c>tiered</c>.</value>
    [Required]
    public TinyLfuCacheOptions Memory { get; set; } = new() { Name = "tiered", Capacity = DefaultMemoryCapacity };

    /// <summary>Gets or sets a value indicating whether the dependency-injection registration adds the disk L2 tier.</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool EnableDisk { get; set; } = true;

    /// <summary>Gets or sets the disk L2 options used by the dependency-injection registration.</summary>
    [Required]
    public DiskCacheStoreOptions Disk { get; set; } = new();

    /// <summary>
    /// Gets or sets the Redis L3 options used by the dependency-injection registration; L3 is off while no configuration
    /// is set. A configuration string that StackExchange.Redis cannot parse, or that names no server, fails validation.
    /// </summary>
    [Required]
    public RedisTierOptions Redis { get; set; } = new();

    /// <summary>
    /// Gets or sets a value indicating whether the dependency-injection registration uses the registered
    /// <c>IDistributedCache</c> as L3 when no Redis configuration is set (SQL Server, Cosmos DB, ...).
    /// </summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool UseDistributedCacheService { get; set; }

    /// <summary>Gets or sets the compression of values written to L2 and L3.</summary>
    /// <value>The default value is <see cref="CacheCompressionAlgorithm.Brotli"/>.</value>
    public CacheCompressionAlgorithm Compression { get; set; } = CacheCompressionAlgorithm.Brotli;

    /// <summary>Gets or sets the compression level.</summary>
    /// <value>The default value is <see cref="CompressionLevel.Fastest"/>.</value>
    public CompressionLevel CompressionLevel { get; set; } = CompressionLevel.Fastest;

    /// <summary>Gets or sets the serialized size in bytes from which values are compressed.</summary>
    /// <value>The default value is <see cref="DefaultCompressionThresholdBytes"/>.</value>
    [Range(0, int.MaxValue)]
    public int CompressionThresholdBytes { get; set; } = DefaultCompressionThresholdBytes;

    /// <summary>
    /// Gets or sets a value indicating whether an expired value is kept for <see cref="FailSafeMaxDuration"/> and
    /// returned, marked stale, when the factory that should refresh it throws.
    /// </summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool EnableFailSafe { get; set; }

    /// <summary>Gets or sets how long past its expiry a value stays available to fail-safe.</summary>
    /// <value>The default value is <see cref="DefaultFailSafeMaxDuration"/>.</value>
    [Range(typeof(TimeSpan), "00:00:00", "30.00:00:00")]
    public TimeSpan FailSafeMaxDuration { get; set; } = DefaultFailSafeMaxDuration;

    /// <summary>Gets or sets the failure ratio within <see cref="CircuitSamplingDuration"/> that opens the breaker.</summary>
    /// <value>The default value is <see cref="DefaultCircuitFailureRatio"/>.</value>
    [Range(0.01, 1.0)]
    public double CircuitFailureRatio { get; set; } = DefaultCircuitFailureRatio;

    /// <summary>Gets or sets the number of calls within the sampling window before the breaker may open.</summary>
    /// <value>The default value is <see cref="DefaultCircuitMinimumThroughput"/>.</value>
    [Range(2, int.MaxValue)]
    public int CircuitMinimumThroughput { get; set; } = DefaultCircuitMinimumThroughput;

    /// <summary>Gets or sets the window over which distributed-tier failures are counted.</summary>
    /// <value>The default value is <see cref="DefaultCircuitSamplingDuration"/>.</value>
    [Range(typeof(TimeSpan), "00:00:00.500", "01:00:00")]
    public TimeSpan CircuitSamplingDuration { get; set; } = DefaultCircuitSamplingDuration;

    /// <summary>Gets or sets how long the distributed tier is skipped once the breaker opens, before a trial call.</summary>
    /// <value>The default value is <see cref="DefaultCircuitBreakDuration"/>.</value>
    [Range(typeof(TimeSpan), "00:00:00.500", "01:00:00")]
    public TimeSpan CircuitBreakDuration { get; set; } = DefaultCircuitBreakDuration;

    /// <summary>
    /// Gets or sets how many keys are remembered whose write or removal did not reach the distributed tier or the
    /// backplane (Redis down, circuit open, call cancelled). Once they answer again each such key is removed from L3
    /// and invalidated on other hosts, so that neither serves the value from before the change. Past this many pending
    /// keys, further ones are counted as dropped; 0 turns recovery off.
    /// </summary>
    /// <value>The default value is <see cref="DefaultRecoveryCapacity"/>.</value>
    [Range(0, 10_000_000)]
    public int RecoveryCapacity { get; set; } = DefaultRecoveryCapacity;
}
