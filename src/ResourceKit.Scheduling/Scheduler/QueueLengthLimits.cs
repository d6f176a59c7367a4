namespace ResourceKit.Scheduling;

/// <summary>
/// Optional length limits for the five per-priority queues of a <see cref="PriorityScheduler"/>. Zero means
/// unbounded. A submission to a full queue is rejected with <see cref="RejectionReason.QueueFull"/>.
/// </summary>
public sealed class QueueLengthLimits
{
    /// <summary>Gets or sets the length limit of the <see cref="WorkPriority.Critical"/> queue.</summary>
    /// <value>The default value is 0 (unbounded).</value>
    public int Critical { get; set; }

    /// <summary>Gets or sets the length limit of the <see cref="WorkPriority.High"/> queue.</summary>
    /// <value>The default value is 0 (unbounded).</value>
    public int High { get; set; }

    /// <summary>Gets or sets the length limit of the <see cref="WorkPriority.Normal"/> queue.</summary>
    /// <value>The default value is 0 (unbounded).</value>
    public int Normal { get; set; }

    /// <summary>Gets or sets the length limit of the <see cref="WorkPriority.Low"/> queue.</summary>
    /// <value>The default value is 0 (unbounded).</value>
    public int Low { get; set; }

    /// <summary>Gets or sets the length limit of the <see cref="WorkPriority.Background"/> queue.</summary>
    /// <value>The default value is 0 (unbounded).</value>
    public int Background { get; set; }

    /// <summary>Gets the limit for one level.</summary>
    /// <param name="priority">The level.</param>
    /// <returns>The limit; 0 means unbounded.</returns>
    public int For(WorkPriority priority) => priority switch
    {
        WorkPriority.Critical => Critical,
        WorkPriority.High => High,
        WorkPriority.Normal => Normal,
        WorkPriority.Low => Low,
        WorkPriority.Background => Background,
        _ => throw new ArgumentOutOfRangeException(nameof(priority), priority, "Unknown priority level."),
    };
}
