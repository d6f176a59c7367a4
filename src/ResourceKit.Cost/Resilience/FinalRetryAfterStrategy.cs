using Polly;

namespace ResourceKit.Cost.Resilience;

/// <summary>
/// The outermost strategy of <see cref="ProviderRetryPipeline"/>: hands the <c>Retry-After</c> of the failure the
/// retries gave up on (or, with retries disabled, of the only attempt) to the same callback as the retried ones. The
/// retry strategy asks for a delay only when it will retry, so the last throttle's delay would otherwise reach no one,
/// and the next caller would hit the provider at once although it had asked for a pause.
/// </summary>
/// <param name="onRetryAfter">The callback, given the call's context and the capped delay.</param>
/// <param name="cap">The longest delay passed on.</param>
internal sealed class FinalRetryAfterStrategy(Action<ResilienceContext, TimeSpan> onRetryAfter, TimeSpan cap) : ResilienceStrategy
{
    /// <summary>Returns <paramref name="requested"/> within zero and <paramref name="cap"/>.</summary>
    /// <param name="requested">The delay the provider asked for.</param>
    /// <param name="cap">The longest delay allowed.</param>
    /// <returns>The capped delay.</returns>
    public static TimeSpan Cap(TimeSpan requested, TimeSpan cap) =>
        requested > cap ? cap : requested < TimeSpan.Zero ? TimeSpan.Zero : requested;

    /// <inheritdoc/>
    protected override async ValueTask<Outcome<TResult>> ExecuteCore<TResult, TState>(
        Func<ResilienceContext, TState, ValueTask<Outcome<TResult>>> callback, ResilienceContext context, TState state)
    {
        var outcome = await callback(context, state).ConfigureAwait(context.ContinueOnCapturedContext);
        if (outcome.Exception is { } error && TransientErrors.IsTransient(error) && TransientErrors.GetRetryAfter(error) is { } requested)
        {
            onRetryAfter(context, Cap(requested, cap));
        }

        return outcome;
    }
}
