using System.ComponentModel.DataAnnotations;

namespace ResourceKit.Caching;

/// <summary>Where and for how long one category of data is cached.</summary>
public sealed class CachePolicy
{
    /// <summary>The default time-to-live: one hour, the seed's default.</summary>
    public static readonly TimeSpan DefaultTimeToLive = TimeSpan.FromHours(1);

    /// <summary>Gets or sets the tiers the values are written to and read from.</summary>
    /// <value>The default value is <see cref="CacheTiers.Memory"/> | <see cref="CacheTiers.Disk"/>.</value>
    public CacheTiers Tiers { get; set; } = CacheTiers.Memory | CacheTiers.Disk;

    /// <summary>Gets or sets how long a value stays fresh; ignored when <see cref="Session"/> is set.</summary>
    /// <value>The default value is <see cref="DefaultTimeToLive"/>.</value>
    [Range(typeof(TimeSpan), "00:00:00.001", "365.00:00:00")]
    public TimeSpan TimeToLive { get; set; } = DefaultTimeToLive;

    /// <summary>
    /// Gets or sets a value indicating whether values live for a session rather than a fixed time: they use
    /// <see cref="TieredCacheOptions.SessionTimeToLive"/>, renewed on use when
    /// <see cref="TieredCacheOptions.SessionSlidingExpiration"/> is set.
    /// </summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool Session { get; set; }

    /// <summary>Creates a policy.</summary>
    /// <param name="tiers">The tiers.</param>
    /// <param name="timeToLive">The time-to-live.</param>
    /// <param name="session">Whether the values live for a session.</param>
    /// <returns>The policy.</returns>
    public static CachePolicy Create(CacheTiers tiers, TimeSpan timeToLive, bool session = false) =>
        new() { Tiers = tiers, TimeToLive = timeToLive, Session = session };
}
