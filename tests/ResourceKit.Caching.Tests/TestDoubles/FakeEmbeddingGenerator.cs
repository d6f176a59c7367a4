using Microsoft.Extensions.AI;

namespace ResourceKit.Caching.Tests.TestDoubles;

/// <summary>Returns the vector registered for a text (or a unit vector on an axis picked from the text's hash) and counts calls.</summary>
internal sealed class FakeEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
{
    private const int Dimensions = 8;
    private readonly Dictionary<string, float[]> _vectors = new(StringComparer.Ordinal);

    public int Calls { get; private set; }

    /// <summary>Gets or sets an exception every call throws, to simulate an outage or a rate limit.</summary>
    public Exception? Failure { get; set; }

    /// <summary>Gets or sets an action run at the start of every call, before <see cref="Failure"/> is thrown.</summary>
    public Action? OnCall { get; set; }

    public FakeEmbeddingGenerator With(string text, params float[] vector)
    {
        _vectors[text] = vector;
        return this;
    }

    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        OnCall?.Invoke();
        if (Failure is not null)
        {
            return Task.FromException<GeneratedEmbeddings<Embedding<float>>>(Failure);
        }

        var result = new GeneratedEmbeddings<Embedding<float>>();
        foreach (var value in values)
        {
            Calls++;
            result.Add(new Embedding<float>(_vectors.TryGetValue(value, out var vector) ? vector : Axis(value)));
        }

        return Task.FromResult(result);
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose()
    {
    }

    private static float[] Axis(string text)
    {
        var vector = new float[Dimensions];
        vector[(int)((uint)StringComparer.Ordinal.GetHashCode(text) % Dimensions)] = 1f;
        return vector;
    }
}
