using Microsoft.Extensions.Configuration;
using ResourceKit.AgentHost.Conversation;

namespace ResourceKit.AgentHost;

/// <summary>The sample's command line: <c>--duration 60s --report run.json --load high</c>.</summary>
internal sealed record RunOptions(TimeSpan? Duration, string? ReportPath, LoadLevel Load, TimeSpan StatusInterval)
{
    public static RunOptions From(IConfiguration configuration)
    {
        var load = configuration["load"] switch
        {
            null or "" or "normal" => LoadLevel.Normal,
            "high" => LoadLevel.High,
            var other => throw new FormatException($"--load must be 'normal' or 'high' (was '{other}')."),
        };
        return new RunOptions(
            RunDuration.Parse(configuration["duration"]),
            configuration["report"],
            load,
            RunDuration.Parse(configuration["status"]) ?? TimeSpan.FromSeconds(5));
    }
}
