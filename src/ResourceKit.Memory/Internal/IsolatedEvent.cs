using System.Runtime.ExceptionServices;

namespace ResourceKit.Memory.Internal;

/// <summary>Raises an event so that one failing subscriber neither stops the others nor reaches the raiser (often a timer).</summary>
internal static class IsolatedEvent
{
    /// <summary>
    /// Calls each subscriber of <paramref name="handlers"/> in turn; an exception goes to <paramref name="onFailure"/>.
    /// If <paramref name="onFailure"/> itself throws (a failing log provider), the remaining subscribers are still
    /// called, and its first exception is rethrown once they have been: the event is raised once, so a subscriber
    /// skipped here would never hear of it.
    /// </summary>
    public static void Raise<TArgs>(EventHandler<TArgs>? handlers, object sender, TArgs args, Action<Exception> onFailure)
    {
        if (handlers is null)
        {
            return;
        }

        ExceptionDispatchInfo? reportFailure = null;
        foreach (var handler in handlers.GetInvocationList().Cast<EventHandler<TArgs>>())
        {
            try
            {
                handler(sender, args);
            }
#pragma warning disable CA1031 // One failing subscriber must not stop the others, or the timer or loop that raised the event.
            catch (Exception ex)
            {
                try
                {
                    onFailure(ex);
                }
                catch (Exception reportEx)
                {
                    reportFailure ??= ExceptionDispatchInfo.Capture(reportEx);
                }
            }
#pragma warning restore CA1031
        }

        reportFailure?.Throw();
    }
}
