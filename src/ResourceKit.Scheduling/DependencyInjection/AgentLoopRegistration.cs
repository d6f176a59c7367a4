namespace ResourceKit.Scheduling;

/// <summary>A loop handler registered by name in the container, resolved when the loops start.</summary>
internal sealed record AgentLoopRegistration(string Name, Func<IServiceProvider, Func<CancellationToken, ValueTask>> Factory);
