namespace ResourceKit.Diagnostics;

/// <summary>
/// Compiled into each package that needs it (the packages reference no common assembly).
/// Writes a log entry from a place that must not throw (a timer callback, a background loop, a failure handler): if
/// the log provider itself fails, there is nowhere left to report it, so its exception is dropped.
/// </summary>
internal static class LastResortLog
{
    /// <summary>Calls <paramref name="log"/> with <paramref name="state"/>, dropping anything it throws.</summary>
    /// <typeparam name="TState">What the log call needs, passed in so that the lambda captures nothing.</typeparam>
    /// <param name="state">The log call's arguments.</param>
    /// <param name="log">The log call.</param>
    public static void Write<TState>(TState state, Action<TState> log)
    {
        try
        {
            log(state);
        }
#pragma warning disable CA1031 // The logger itself failed: there is nowhere left to report it.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }
}
