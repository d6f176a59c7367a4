namespace ResourceKit.Memory.Internal;

/// <summary>Raises an event so that one failing subscriber neither stops the others nor reaches the raiser (often a timer).</summary>
internal static class IsolatedEvent
{
    /// <summary>Calls each subscriber of <paramref name="handlers"/> in turn; an exception goes to <paramref name="onFailure"/>.</summary>
    public static void Raise<TArgs>(EventHandler<TArgs>? handlers, object sender, TArgs args, Action<Exception> onFailure)
    {
        if (handlers is null)
        {
            return;
        }

        foreach (var handler in handlers.GetInvocationList().Cast<EventHandler<TArgs>>())
        {
            try
            {
                handler(sender, args);
            }
#pragma warning disable CA1031 // One failing subscriber must not stop the others, or the timer or loop that raised the event.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                onFailure(ex);
            }
        }
    }
}
