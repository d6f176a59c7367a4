using Microsoft.Extensions.Configuration;
using ResourceKit.AgentHost.Conversation;

namespace ResourceKit.AgentHost;

/// <summary>The sample's command line: <c>--duration 60s --report run.json --load high --status 5s</c>.</summary>
internal sealed record RunOptions(TimeSpan? Duration, string? ReportPath, LoadLevel Load, TimeSpan StatusInterval)
{
    /// <summary>Gets the status interval when <c>--status</c> is not given.</summary>
    public static TimeSpan DefaultStatusInterval { get; } = TimeSpan.FromSeconds(5);

    /// <exception cref="FormatException">An argument is invalid; the message names it.</exception>
    public static RunOptions From(IConfiguration configuration)
    {
        var load = configuration["load"] switch
        {
            null or "" or "normal" => LoadLevel.Normal,
            "high" => LoadLevel.High,
            var other => throw new FormatException($"--load must be 'normal' or 'high' (was '{other}')."),
        };
        return new RunOptions(
            ParseDuration(configuration, "duration"),
            configuration["report"],
            load,
            ParseDuration(configuration, "status") ?? DefaultStatusInterval);
    }

    private static TimeSpan? ParseDuration(IConfiguration configuration, string name)
    {
        try
        {
            return RunDuration.Parse(configuration[name]);
        }
        catch (FormatException exception)
        {
            throw new FormatException($"--{name}: {exception.Message}", exception);
        }
    }
}
