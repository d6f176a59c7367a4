using System.Collections.Frozen;
using System.Text.Json;

namespace ResourceKit.Cost.Pricing;

/// <summary>
/// Prices per provider and model. Lookups read an immutable snapshot, so <see cref="Replace"/> can swap
/// the whole table at run time without locking readers.
/// </summary>
public sealed class PriceCatalog
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNameCaseInsensitive = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
    };

    private volatile Snapshot _snapshot;
    private volatile ModelPrice? _fallback;

    /// <summary>Initializes a new instance of the <see cref="PriceCatalog"/> class.</summary>
    /// <param name="prices">The prices; a later entry for the same provider and model replaces an earlier one.</param>
    /// <param name="fallbackPrice">
    /// The price used for unknown models, or <see langword="null"/> to fail closed with <see cref="UnknownModelPriceException"/>.
    /// </param>
    public PriceCatalog(IEnumerable<ModelPrice> prices, ModelPrice? fallbackPrice = null)
    {
        _snapshot = Snapshot.Create(prices);
        _fallback = fallbackPrice?.Clone();
    }

    /// <summary>Gets copies of the current prices.</summary>
    public IReadOnlyCollection<ModelPrice> Prices => [.. _snapshot.All.Select(p => p.Clone())];

    /// <summary>Gets or sets the price for unknown models; <see langword="null"/> makes unknown models fail closed.</summary>
    public ModelPrice? FallbackPrice
    {
        get => _fallback?.Clone();
        set => _fallback = value?.Clone();
    }

    /// <summary>
    /// Returns the prices given in the seed specifications, per million tokens: OpenAI <c>gpt-4o</c>
    /// ($15 input, $60 output, $7.50 cached input) and the tiering table's Anthropic and Qwen models,
    /// which the seed prices with one rate for input and output.
    /// </summary>
    /// <returns>A new list, which the caller may change.</returns>
    public static List<ModelPrice> CreateSeedPrices() =>
    [
        new() { Provider = "openai", Model = "gpt-4o", InputPerMillion = 15m, OutputPerMillion = 60m, CachedInputPerMillion = 7.5m },
        Flat("anthropic", "claude-4-opus", 15m),
        Flat("anthropic", "claude-4-sonnet", 3m),
        Flat("anthropic", "claude-3-7-sonnet", 1m),
        Flat("qwen", "qwen-max", 2m),
        Flat("qwen", "qwen-plus", 1m),
        Flat("qwen", "qwen-turbo", 0.5m),
    ];

    /// <summary>Reads a JSON array of <see cref="ModelPrice"/> objects.</summary>
    /// <param name="json">The JSON text.</param>
    /// <returns>The prices.</returns>
    /// <exception cref="ArgumentException">The JSON is malformed or a price is invalid.</exception>
    public static IReadOnlyList<ModelPrice> ParseJson(string json)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(json);
        List<ModelPrice>? prices;
        try
        {
            prices = JsonSerializer.Deserialize<List<ModelPrice>>(json, JsonOptions);
        }
        catch (JsonException ex)
        {
            throw new ArgumentException($"The price list is not valid JSON: {ex.Message}", nameof(json), ex);
        }

        prices ??= [];
        var errors = prices.SelectMany((p, i) => p.Validate($"[{i}]")).ToList();
        if (errors.Count > 0)
        {
            throw new ArgumentException("The price list is invalid: " + string.Join(" ", errors), nameof(json));
        }

        return prices;
    }

    /// <summary>Replaces every price at once.</summary>
    /// <param name="prices">The new prices.</param>
    /// <exception cref="ArgumentException">A price is invalid.</exception>
    public void Replace(IEnumerable<ModelPrice> prices) => _snapshot = Snapshot.Create(prices);

    /// <summary>Replaces every price with those in a JSON array.</summary>
    /// <param name="json">The JSON text.</param>
    public void ReplaceFromJson(string json) => Replace(ParseJson(json));

    /// <summary>Looks up a price without falling back.</summary>
    /// <param name="provider">The provider, or <see langword="null"/> to match the model at any single provider.</param>
    /// <param name="model">The model.</param>
    /// <param name="price">A copy of the price when found.</param>
    /// <returns><see langword="true"/> when the model is in the catalog.</returns>
    public bool TryGetPrice(string? provider, string model, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ModelPrice? price)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(model);
        var found = TryFind(_snapshot, provider, model, out var shared);
        price = shared?.Clone();
        return found;
    }

    /// <summary>Returns the price of a model, or the fallback price.</summary>
    /// <param name="provider">The provider, or <see langword="null"/> when unknown.</param>
    /// <param name="model">The model.</param>
    /// <returns>The price.</returns>
    /// <exception cref="UnknownModelPriceException">The model is unknown and no fallback price is configured.</exception>
    public ModelPrice GetPrice(string? provider, string model)
    {
        if (TryGetPrice(provider, model, out var price))
        {
            return price;
        }

        return _fallback?.Clone() ?? throw new UnknownModelPriceException(provider, model);
    }

    /// <summary>
    /// The chat middleware's lookup: the provider's price, else the model's when a single provider lists it, else the
    /// fallback. Returns the catalog's own instance, not a copy, so the caller must not change it; the catalog never
    /// changes it either (<see cref="Replace"/> swaps in new copies), so a call keeps a consistent price.
    /// </summary>
    /// <exception cref="UnknownModelPriceException">The model is unknown and no fallback price is configured.</exception>
    internal ModelPrice GetSharedPrice(string? provider, string model)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(model);
        var snapshot = _snapshot;
        return TryFind(snapshot, provider, model, out var price) || TryFind(snapshot, null, model, out price)
            ? price
            : _fallback ?? throw new UnknownModelPriceException(provider, model);
    }

    /// <summary>The catalog's own instance for <paramref name="provider"/>'s <paramref name="model"/>, or, without a provider, for the model if a single provider lists it.</summary>
    private static bool TryFind(Snapshot snapshot, string? provider, string model, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ModelPrice? price)
    {
        if (!string.IsNullOrWhiteSpace(provider))
        {
            return snapshot.TryGetByKey(provider, model, out price);
        }

        // Without a provider the model name must be unambiguous, or we could charge the wrong price.
        if (snapshot.ByModel.TryGetValue(model, out var candidates) && candidates.Length == 1)
        {
            price = candidates[0];
            return true;
        }

        price = null;
        return false;
    }

    private static ModelPrice Flat(string provider, string model, decimal perMillion) =>
        new() { Provider = provider, Model = model, InputPerMillion = perMillion, OutputPerMillion = perMillion };

    private static string Key(string provider, string model) => provider.Trim() + "/" + model.Trim();

    private sealed record Snapshot(
        FrozenDictionary<string, ModelPrice> ByKey,
        FrozenDictionary<string, ModelPrice[]> ByModel,
        IReadOnlyCollection<ModelPrice> All)
    {
        private const int MaxStackKeyLength = 256;

        private readonly FrozenDictionary<string, ModelPrice>.AlternateLookup<ReadOnlySpan<char>> _byKeySpan =
            ByKey.GetAlternateLookup<ReadOnlySpan<char>>();

        /// <summary>Looks up "provider/model" (both trimmed) without building the key string, which a lookup per call would allocate.</summary>
        public bool TryGetByKey(string provider, string model, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ModelPrice? price)
        {
            var left = provider.AsSpan().Trim();
            var right = model.AsSpan().Trim();
            var length = left.Length + 1 + right.Length;
            if (length > MaxStackKeyLength)
            {
                return ByKey.TryGetValue(Key(provider, model), out price);
            }

            Span<char> key = stackalloc char[length];
            left.CopyTo(key);
            key[left.Length] = '/';
            right.CopyTo(key[(left.Length + 1)..]);
            return _byKeySpan.TryGetValue(key, out price);
        }

        public static Snapshot Create(IEnumerable<ModelPrice> prices)
        {
            ArgumentNullException.ThrowIfNull(prices);
            var byKey = new Dictionary<string, ModelPrice>(StringComparer.OrdinalIgnoreCase);
            var index = 0;
            foreach (var price in prices)
            {
                ArgumentNullException.ThrowIfNull(price, nameof(prices));
                var errors = price.Validate($"prices[{index++}]").ToList();
                if (errors.Count > 0)
                {
                    throw new ArgumentException(string.Join(" ", errors), nameof(prices));
                }

                var copy = price.Clone();
                copy.Provider = copy.Provider.Trim();
                copy.Model = copy.Model.Trim();
                byKey[Key(copy.Provider, copy.Model)] = copy;
            }

            var byModel = byKey.Values
                .GroupBy(p => p.Model, StringComparer.OrdinalIgnoreCase)
                .ToFrozenDictionary(g => g.Key, g => g.ToArray(), StringComparer.OrdinalIgnoreCase);
            return new Snapshot(byKey.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase), byModel, byKey.Values.ToArray());
        }
    }
}
