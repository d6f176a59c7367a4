namespace ResourceKit.Scheduling;

/// <summary>What an agent loop does with ticks that arrive while its previous run is still queued or running.</summary>
public enum MissedTickPolicy
{
    /// <summary>Drop the tick and count it in <see cref="AgentLoopStatistics.MissedTicks"/>; the loop waits for its next tick.</summary>
    Skip = 0,

    /// <summary>Count the tick, and run the loop once more as soon as the current run ends (however many ticks were missed).</summary>
    CatchUpOnce = 1,
}
