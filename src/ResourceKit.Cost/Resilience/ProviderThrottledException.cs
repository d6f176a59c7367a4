namespace ResourceKit.Cost.Resilience;

/// <summary>
/// Thrown by a provider adapter when the provider refuses a call for rate reasons (HTTP 429 or 503), carrying
/// the provider's <c>Retry-After</c> so the budget middleware can wait and retry.
/// </summary>
public sealed class ProviderThrottledException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="ProviderThrottledException"/> class.</summary>
    public ProviderThrottledException()
        : base("The provider throttled the request.")
    {
    }

    /// <summary>Initializes a new instance of the <see cref="ProviderThrottledException"/> class.</summary>
    /// <param name="message">The message.</param>
    public ProviderThrottledException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="ProviderThrottledException"/> class.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public ProviderThrottledException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="ProviderThrottledException"/> class with a delay.</summary>
    /// <param name="message">The message.</param>
    /// <param name="retryAfter">The delay the provider asked for.</param>
    public ProviderThrottledException(string message, TimeSpan? retryAfter)
        : base(message)
    {
        RetryAfter = retryAfter;
    }

    /// <summary>Gets the delay the provider asked for, if it gave one.</summary>
    public TimeSpan? RetryAfter { get; }
}
