namespace ResourceKit.AgentHost.Conversation;

/// <summary>How hard the simulated users drive the host (<c>--load normal|high</c>).</summary>
internal enum LoadLevel
{
    /// <summary>A dozen turns a second from a small set of recurring questions, as real users ask.</summary>
    Normal,

    /// <summary>Many more turns, mostly new questions and heavier tasks, so spend climbs until the hourly throttle engages.</summary>
    High,
}
