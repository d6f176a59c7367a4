using System.ComponentModel.DataAnnotations;
using ResourceKit.Memory.Internal;

namespace ResourceKit.Memory.LazyComponents;

/// <summary>Options for <see cref="LazyComponentRegistry"/>.</summary>
public sealed class LazyComponentOptions
{
    /// <summary>The default interval of the idle sweep (30 s).</summary>
    public static readonly TimeSpan DefaultSweepInterval = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets the most components loaded at once (seed 001's <c>maxSimultaneousModels</c>); 0 for no cap.</summary>
    /// <value>The default value is 0 (no cap).</value>
    [Range(0, int.MaxValue, ErrorMessage = "MaxLoaded must not be negative.")]
    public int MaxLoaded { get; set; }

    /// <summary>Gets or sets how long a component may go unused before it is unloaded; <see cref="TimeSpan.Zero"/> never unloads for idleness.</summary>
    /// <value>The default value is <see cref="TimeSpan.Zero"/>.</value>
    [Range(typeof(TimeSpan), "00:00:00", "365.00:00:00", ErrorMessage = "IdleTimeout must not be negative.")]
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.Zero;

    /// <summary>Gets or sets which component is unloaded first.</summary>
    /// <value>The default value is <see cref="UnloadStrategy.Lru"/>.</value>
    [EnumDataType(typeof(UnloadStrategy), ErrorMessage = "Strategy must be Lru, Priority or Hybrid.")]
    public UnloadStrategy Strategy { get; set; } = UnloadStrategy.Lru;

    /// <summary>Gets or sets how often idle components are looked for.</summary>
    /// <value>The default value is 30 seconds.</value>
    [Range(typeof(TimeSpan), "00:00:00.001", "1.00:00:00", ErrorMessage = "SweepInterval must be between 1 ms and 1 day.")]
    public TimeSpan SweepInterval { get; set; } = DefaultSweepInterval;

    /// <summary>Gets or sets the reclaimer priority (lower is trimmed first); loaded components are expensive to reload.</summary>
    /// <value>The default value is 50.</value>
    public int Priority { get; set; } = 50;

    /// <summary>Lists every problem with these options; empty when they are valid.</summary>
    /// <returns>One message per problem.</returns>
    public IReadOnlyList<string> Validate() => OptionsErrors.FromAnnotations(this);

    /// <summary>Copies these options, so a registry is not changed (unvalidated) by later edits to the caller's instance.</summary>
    internal LazyComponentOptions Clone() => (LazyComponentOptions)MemberwiseClone();
}
