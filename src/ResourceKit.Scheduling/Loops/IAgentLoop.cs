namespace ResourceKit.Scheduling;

/// <summary>The body of a periodic agent loop, registered by name with an <see cref="AgentLoopScheduler"/>.</summary>
public interface IAgentLoop
{
    /// <summary>Runs one iteration. Exceptions are logged and counted; the loop keeps its schedule.</summary>
    /// <param name="cancellationToken">Signalled at shutdown and when the loop's timeout elapses.</param>
    /// <returns>A task that completes when the iteration is done.</returns>
    ValueTask ExecuteAsync(CancellationToken cancellationToken);
}
