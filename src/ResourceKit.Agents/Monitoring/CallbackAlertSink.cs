namespace ResourceKit.Agents.Monitoring;

/// <summary>Hands alerts to a delegate, for a pager, a chat webhook or a test.</summary>
/// <param name="callback">The delegate.</param>
public sealed class CallbackAlertSink(Func<Alert, CancellationToken, ValueTask> callback) : IAlertSink
{
    private readonly Func<Alert, CancellationToken, ValueTask> _callback = callback ?? throw new ArgumentNullException(nameof(callback));

    /// <summary>Initializes a new instance of the <see cref="CallbackAlertSink"/> class with a synchronous delegate.</summary>
    /// <param name="callback">The delegate.</param>
    public CallbackAlertSink(Action<Alert> callback)
        : this(Wrap(callback))
    {
    }

    /// <inheritdoc />
    public ValueTask PublishAsync(Alert alert, CancellationToken cancellationToken = default) => _callback(alert, cancellationToken);

    private static Func<Alert, CancellationToken, ValueTask> Wrap(Action<Alert> callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        return (alert, _) =>
        {
            callback(alert);
            return ValueTask.CompletedTask;
        };
    }
}
