using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.AI;

namespace ResourceKit.Caching.Serialization;

/// <summary>
/// The default <see cref="ICacheSerializer"/>: System.Text.Json with contract metadata from the
/// given options, so source-generated <c>JsonSerializerContext</c>s work (pass
/// <c>MyContext.Default.Options</c>) and no reflection is needed when the context covers every type.
/// </summary>
/// <remarks>
/// System.Text.Json never instantiates a type named by the payload: polymorphism only follows
/// <c>[JsonDerivedType]</c> lists declared on the base type, so a tampered disk file or Redis value
/// can at worst fail to deserialize.
/// </remarks>
public sealed class SystemTextJsonCacheSerializer : ICacheSerializer
{
    private readonly JsonSerializerOptions _options;

    /// <summary>Creates a serializer.</summary>
    /// <param name="options">
    /// The options whose <see cref="JsonSerializerOptions.TypeInfoResolver"/> supplies the contracts;
    /// <see langword="null"/> uses <see cref="AIJsonUtilities.DefaultOptions"/>, which covers the
    /// Microsoft.Extensions.AI types (chat responses, embeddings) and falls back to reflection for the rest.
    /// </param>
    /// <exception cref="ArgumentException">The options have no type-info resolver.</exception>
    public SystemTextJsonCacheSerializer(JsonSerializerOptions? options = null)
    {
        _options = options ?? AIJsonUtilities.DefaultOptions;
        if (_options.TypeInfoResolver is null)
        {
            throw new ArgumentException("The JsonSerializerOptions must have a TypeInfoResolver (for example a JsonSerializerContext).", nameof(options));
        }

        _options.MakeReadOnly();
    }

    /// <inheritdoc />
    public void Serialize<T>(T value, IBufferWriter<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        using var writer = new Utf8JsonWriter(destination);
        JsonSerializer.Serialize(writer, value, GetTypeInfo<T>());
    }

    /// <inheritdoc />
    public T Deserialize<T>(ReadOnlySpan<byte> source) => JsonSerializer.Deserialize(source, GetTypeInfo<T>())!;

    private JsonTypeInfo<T> GetTypeInfo<T>() => (JsonTypeInfo<T>)_options.GetTypeInfo(typeof(T));
}
