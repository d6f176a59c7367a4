using System.Globalization;
using System.Net;

namespace ResourceKit.Cost.Resilience;

/// <summary>Decides which provider errors are worth retrying and reads the delay a provider asked for.</summary>
public static class TransientErrors
{
    /// <summary>The <see cref="Exception.Data"/> key an adapter may set to pass a provider's <c>Retry-After</c>.</summary>
    public const string RetryAfterDataKey = "Retry-After";

    /// <summary>Returns whether an error is transient: throttling, timeouts, and 408, 429 and 5xx HTTP statuses.</summary>
    /// <param name="exception">The error.</param>
    /// <returns><see langword="true"/> when a retry may succeed.</returns>
    public static bool IsTransient(Exception exception) => exception switch
    {
        null => false,
        ProviderThrottledException or TimeoutException => true,
        HttpRequestException { StatusCode: null } => true,
        HttpRequestException { StatusCode: { } status } => status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)status >= 500,
        OperationCanceledException => false,
        _ => exception.InnerException is { } inner && IsTransient(inner),
    };

    /// <summary>Returns the delay a provider asked for, from <see cref="ProviderThrottledException"/> or <see cref="Exception.Data"/>.</summary>
    /// <param name="exception">The error.</param>
    /// <returns>The delay, or <see langword="null"/> when none was given.</returns>
    public static TimeSpan? GetRetryAfter(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        if (exception is ProviderThrottledException { RetryAfter: { } delay })
        {
            return delay;
        }

        return exception.Data[RetryAfterDataKey] switch
        {
            TimeSpan span => span,
            int seconds => TimeSpan.FromSeconds(seconds),
            double seconds => TimeSpan.FromSeconds(seconds),
            string text when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) => TimeSpan.FromSeconds(seconds),
            _ => exception.InnerException is { } inner ? GetRetryAfter(inner) : null,
        };
    }
}
