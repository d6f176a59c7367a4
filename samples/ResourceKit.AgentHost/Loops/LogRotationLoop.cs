using ResourceKit.AgentHost.Logging;
using ResourceKit.Scheduling;

namespace ResourceKit.AgentHost.Loops;

/// <summary>log_rotation (Low, 1 h): rotates the host's own log into a gzip archive and prunes old archives.</summary>
internal sealed class LogRotationLoop(RollingFileLoggerProvider log) : IAgentLoop
{
    public int Rotations { get; private set; }

    public async ValueTask ExecuteAsync(CancellationToken cancellationToken)
    {
        if (await log.RotateAsync(cancellationToken) is not null)
        {
            Rotations++;
        }
    }
}
