using System.ComponentModel.DataAnnotations;

namespace ResourceKit.Caching.Redis;

/// <summary>How the tiered cache reaches Redis for its L3 tier and backplane.</summary>
public sealed class RedisTierOptions
{
    /// <summary>The default connect timeout.</summary>
    public static readonly TimeSpan DefaultConnectTimeout = TimeSpan.FromSeconds(2);

    /// <summary>The default timeout of one Redis command.</summary>
    public static readonly TimeSpan DefaultOperationTimeout = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Gets or sets the StackExchange.Redis configuration string (for example <c>localhost:6379</c>).
    /// L3 and the backplane are off while it is empty.
    /// </summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public string? Configuration { get; set; }

    /// <summary>Gets or sets how long a connection attempt may take.</summary>
    /// <value>The default value is <see cref="DefaultConnectTimeout"/>.</value>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:05:00")]
    public TimeSpan ConnectTimeout { get; set; } = DefaultConnectTimeout;

    /// <summary>Gets or sets how long one command may take before it counts as a failure.</summary>
    /// <value>The default value is <see cref="DefaultOperationTimeout"/>.</value>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:05:00")]
    public TimeSpan OperationTimeout { get; set; } = DefaultOperationTimeout;

    /// <summary>Gets or sets a value indicating whether invalidations are published on Redis pub/sub.</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool EnableBackplane { get; set; } = true;
}
