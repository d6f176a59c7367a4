namespace ResourceKit.Agents.Monitoring;

/// <summary>How urgent an <see cref="Alert"/> is, from the seed's monitoring table.</summary>
public enum AlertLevel
{
    /// <summary>Informational: a metric went back to normal.</summary>
    Info = 0,

    /// <summary>A metric crossed its warning threshold.</summary>
    Warning = 1,

    /// <summary>A metric crossed its critical threshold.</summary>
    Critical = 2,

    /// <summary>A metric crossed its emergency threshold.</summary>
    Emergency = 3,
}
