using System.ComponentModel.DataAnnotations;
using ResourceKit.Memory.Internal;

namespace ResourceKit.Memory.ResourcePooling;

/// <summary>Options for <see cref="ResourcePool{T}"/>. <see cref="ResourcePoolPresets"/> holds the seed's pool matrix.</summary>
public sealed class ResourcePoolOptions
{
    /// <summary>The default least number of resources kept.</summary>
    public const int DefaultMinSize = 2;

    /// <summary>The default greatest number of resources.</summary>
    public const int DefaultMaxSize = 10;

    /// <summary>The default idle time after which a resource above the minimum is closed (5 minutes).</summary>
    public static readonly TimeSpan DefaultMaxIdleTime = TimeSpan.FromMinutes(5);

    /// <summary>The default lifetime after which a resource is closed (1 hour).</summary>
    public static readonly TimeSpan DefaultMaxLifetime = TimeSpan.FromHours(1);

    /// <summary>The default time <see cref="ResourcePool{T}.AcquireAsync(CancellationToken)"/> waits (30 s).</summary>
    public static readonly TimeSpan DefaultAcquireTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The default pruning interval (30 s).</summary>
    public static readonly TimeSpan DefaultPruneInterval = TimeSpan.FromSeconds(30);

    /// <summary>The default time one creation of a resource may take (30 s).</summary>
    public static readonly TimeSpan DefaultCreateTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The default time one validation of a resource may take (5 s).</summary>
    public static readonly TimeSpan DefaultValidationTimeout = TimeSpan.FromSeconds(5);

    /// <summary>The default time one close of a resource may take (30 s).</summary>
    public static readonly TimeSpan DefaultDestroyTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The default time disposal waits for outstanding leases (10 s).</summary>
    public static readonly TimeSpan DefaultDisposeTimeout = TimeSpan.FromSeconds(10);

    // A timer cannot wait longer than about 49.7 days; a day is far beyond any sane wait, connect, check or close.
    private static readonly TimeSpan MaxTimeout = TimeSpan.FromDays(1);

    /// <summary>Gets or sets the pool name used in logs and metrics.</summary>
    /// <value>The default value is <c>"resource-pool"</c>.</value>
    [Required(AllowEmptyStrings = false, ErrorMessage = "Name must not be empty.")]
    public string Name { get; set; } = "resource-pool";

    /// <summary>Gets or sets the least number of resources the pool keeps open (refilled by pruning and <see cref="ResourcePool{T}.WarmUpAsync"/>).</summary>
    /// <value>The default value is 2.</value>
    [Range(0, int.MaxValue, ErrorMessage = "MinSize must not be negative.")]
    public int MinSize { get; set; } = DefaultMinSize;

    /// <summary>
    /// Gets or sets the greatest number of resources open at once: being opened, leased, idle or being closed. A
    /// resource being closed keeps its place until its close ends or is abandoned after <see cref="DestroyTimeout"/>,
    /// so its replacement waits for it (an acquire queues, and is woken when the close ends) rather than opening beside
    /// it: a backend that allows this many sessions is never asked for one more.
    /// </summary>
    /// <value>The default value is 10.</value>
    [Range(1, int.MaxValue, ErrorMessage = "MaxSize must be at least 1.")]
    public int MaxSize { get; set; } = DefaultMaxSize;

    /// <summary>Gets or sets how long a resource may sit idle before it is closed (down to <see cref="MinSize"/> by pruning; always when borrowed).</summary>
    /// <value>The default value is 5 minutes.</value>
    [Range(typeof(TimeSpan), "00:00:00.001", "365.00:00:00", ErrorMessage = "MaxIdleTime must be positive.")]
    public TimeSpan MaxIdleTime { get; set; } = DefaultMaxIdleTime;

    /// <summary>Gets or sets how long a resource may live, from creation, before it is closed.</summary>
    /// <value>The default value is 1 hour.</value>
    [Range(typeof(TimeSpan), "00:00:00.001", "365.00:00:00", ErrorMessage = "MaxLifetime must be positive.")]
    public TimeSpan MaxLifetime { get; set; } = DefaultMaxLifetime;

    /// <summary>
    /// Gets or sets how long an acquire waits for a resource when the pool is at <see cref="MaxSize"/>: from 0 (do not
    /// wait) up to 1 day, or <see cref="Timeout.InfiniteTimeSpan"/> to wait forever.
    /// </summary>
    /// <value>The default value is 30 seconds.</value>
    public TimeSpan AcquireTimeout { get; set; } = DefaultAcquireTimeout;

    /// <summary>
    /// Gets or sets how long one <see cref="IResourceLifecycle{T}.CreateAsync"/> call may take, whether an acquire,
    /// <see cref="ResourcePool{T}.WarmUpAsync"/> or the background refill made it. When it passes, the call's token is
    /// cancelled and the call is abandoned (a resource it opens later is closed), and an acquire fails with
    /// <see cref="ResourcePoolTimeoutException"/>. A call that honours its token ends at once and frees its slot; one
    /// that ignores it keeps its slot until it ends, so a hung backend gets at most <see cref="MaxSize"/> connects and
    /// further acquires wait for a slot instead of starting more. Without it a hung connect would hold its caller and
    /// the pruning timer forever. <see cref="Timeout.InfiniteTimeSpan"/> turns it off.
    /// </summary>
    /// <value>The default value is 30 seconds.</value>
    public TimeSpan CreateTimeout { get; set; } = DefaultCreateTimeout;

    /// <summary>
    /// Gets or sets how long one <see cref="IResourceLifecycle{T}.ValidateAsync"/> call (with <see cref="ValidateOnAcquire"/>)
    /// may take. A validation that takes longer counts as failed: its token is cancelled, the resource is closed and
    /// replaced. <see cref="Timeout.InfiniteTimeSpan"/> turns it off.
    /// </summary>
    /// <value>The default value is 5 seconds.</value>
    public TimeSpan ValidationTimeout { get; set; } = DefaultValidationTimeout;

    /// <summary>
    /// Gets or sets how long one <see cref="IResourceLifecycle{T}.DestroyAsync"/> call may take, whatever closes the
    /// resource: pruning (idle and lifetime limits), <see cref="ResourcePool{T}.Trim"/>, a failed validation, the
    /// return of a broken or expired resource, or disposal. When it passes the pool stops waiting: the close is
    /// abandoned: the call's token is cancelled (so a close that honours it stops, and its callbacks run before
    /// anything else happens), then the pool logs it, counts it in <see cref="ResourcePoolStatistics.DestroyTimeouts"/>,
    /// observes a later failure of it and gives its place under <see cref="MaxSize"/> back. So a hung close cannot hold
    /// a caller, the pruning timer or <see cref="ResourcePool{T}.DisposeAsync"/> (and with it a host's shutdown), nor a
    /// slot for longer than this. Disposing the pool does not cancel closes sooner: each still gets this whole time to
    /// close gracefully, and disposal waits for none longer. <see cref="Timeout.InfiniteTimeSpan"/> turns it off: the
    /// close's token is never cancelled, and the close keeps its place until it ends.
    /// </summary>
    /// <value>The default value is 30 seconds.</value>
    public TimeSpan DestroyTimeout { get; set; } = DefaultDestroyTimeout;

    /// <summary>Gets or sets a value indicating whether a resource is validated (<see cref="IResourceLifecycle{T}.ValidateAsync"/>) each time it is borrowed.</summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool ValidateOnAcquire { get; set; }

    /// <summary>Gets or sets how often the background pruning runs (idle and lifetime limits, refill to <see cref="MinSize"/>, leak detection).</summary>
    /// <value>The default value is 30 seconds.</value>
    [Range(typeof(TimeSpan), "00:00:00.001", "1.00:00:00", ErrorMessage = "PruneInterval must be between 1 ms and 1 day.")]
    public TimeSpan PruneInterval { get; set; } = DefaultPruneInterval;

    /// <summary>Gets or sets how long a lease may be held before it is reported as a leak; <see cref="TimeSpan.Zero"/> turns leak detection off.</summary>
    /// <value>The default value is <see cref="TimeSpan.Zero"/> (off).</value>
    [Range(typeof(TimeSpan), "00:00:00", "365.00:00:00", ErrorMessage = "LeakDetectionThreshold must not be negative.")]
    public TimeSpan LeakDetectionThreshold { get; set; } = TimeSpan.Zero;

    /// <summary>Gets or sets a value indicating whether, with leak detection on, each acquire records its stack trace so a leak report says where the lease was taken. It costs a few microseconds per acquire.</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool CaptureAcquisitionStackTraces { get; set; } = true;

    /// <summary>
    /// Gets or sets how long <see cref="ResourcePool{T}.DisposeAsync"/> waits for outstanding leases to come back. It
    /// then also waits for closes still running, each for at most <see cref="DestroyTimeout"/>.
    /// </summary>
    /// <value>The default value is 10 seconds.</value>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00", ErrorMessage = "DisposeTimeout must be between 0 and 1 day.")]
    public TimeSpan DisposeTimeout { get; set; } = DefaultDisposeTimeout;

    /// <summary>Gets or sets an estimate of one resource's memory, used to report bytes freed by a trim under pressure.</summary>
    /// <value>The default value is 0 (unknown).</value>
    [Range(0L, long.MaxValue, ErrorMessage = "EstimatedResourceBytes must not be negative.")]
    public long EstimatedResourceBytes { get; set; }

    /// <summary>Gets or sets the reclaimer priority (lower is trimmed first); open resources are expensive, so the default is high.</summary>
    /// <value>The default value is 100.</value>
    public int Priority { get; set; } = 100;

    /// <summary>Lists every problem with these options; empty when they are valid.</summary>
    /// <returns>One message per problem.</returns>
    public IReadOnlyList<string> Validate()
    {
        var errors = OptionsErrors.FromAnnotations(this);
        if (MaxSize < MinSize)
        {
            errors.Add($"MaxSize ({MaxSize}) must not be less than MinSize ({MinSize}).");
        }

        if (!IsAcquireTimeout(AcquireTimeout))
        {
            errors.Add($"AcquireTimeout ({AcquireTimeout}) must be between 0 and 1 day, or Timeout.InfiniteTimeSpan to wait forever.");
        }

        AddIfNotTimeout(errors, CreateTimeout, nameof(CreateTimeout));
        AddIfNotTimeout(errors, ValidationTimeout, nameof(ValidationTimeout));
        AddIfNotTimeout(errors, DestroyTimeout, nameof(DestroyTimeout));
        return errors;
    }

    /// <summary>Whether <paramref name="value"/> is a valid wait for a free resource (the option, or an acquire's argument).</summary>
    internal static bool IsAcquireTimeout(TimeSpan value) =>
        value == Timeout.InfiniteTimeSpan || (value >= TimeSpan.Zero && value <= MaxTimeout);

    private static void AddIfNotTimeout(List<string> errors, TimeSpan value, string name)
    {
        if (value != Timeout.InfiniteTimeSpan && (value <= TimeSpan.Zero || value > MaxTimeout))
        {
            errors.Add($"{name} ({value}) must be between 1 ms and 1 day, or Timeout.InfiniteTimeSpan for none.");
        }
    }

    /// <summary>Copies these options.</summary>
    /// <returns>A new instance with the same values.</returns>
    public ResourcePoolOptions Clone() => (ResourcePoolOptions)MemberwiseClone();
}
