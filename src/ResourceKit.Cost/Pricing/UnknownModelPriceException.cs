namespace ResourceKit.Cost.Pricing;

/// <summary>
/// Thrown when a model has no price in the catalog and no fallback price is configured, so that
/// spend which cannot be estimated fails closed instead of being counted as free.
/// </summary>
public sealed class UnknownModelPriceException : InvalidOperationException
{
    /// <summary>Initializes a new instance of the <see cref="UnknownModelPriceException"/> class.</summary>
    public UnknownModelPriceException()
        : base("The model has no price in the catalog.")
    {
    }

    /// <summary>Initializes a new instance of the <see cref="UnknownModelPriceException"/> class.</summary>
    /// <param name="message">The message.</param>
    public UnknownModelPriceException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="UnknownModelPriceException"/> class.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public UnknownModelPriceException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="UnknownModelPriceException"/> class for a model.</summary>
    /// <param name="provider">The provider asked for, or <see langword="null"/> when unknown.</param>
    /// <param name="model">The model asked for.</param>
    public UnknownModelPriceException(string? provider, string model)
        : base($"No price is known for model '{model}' at provider '{provider ?? "(any)"}' and no fallback price is configured; " +
               "add it to CostOptions.Prices or set CostOptions.FallbackPrice.")
    {
        Provider = provider;
        Model = model;
    }

    /// <summary>Gets the provider that was asked for.</summary>
    public string? Provider { get; }

    /// <summary>Gets the model that was asked for.</summary>
    public string? Model { get; }
}
