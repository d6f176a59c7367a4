using System.Buffers;
using ResourceKit.Caching.Serialization;

namespace ResourceKit.Caching.Tests.TestDoubles;

/// <summary>
/// A custom serializer that fails with an exception type of its own choosing (<see cref="FormatException"/>, which
/// the cache does not special-case) on writes, reads or both; otherwise System.Text.Json.
/// </summary>
internal sealed class ThrowingCacheSerializer(bool onSerialize, bool onDeserialize) : ICacheSerializer
{
    private readonly SystemTextJsonCacheSerializer _inner = new();

    public void Serialize<T>(T value, IBufferWriter<byte> destination)
    {
        if (onSerialize)
        {
            throw new FormatException("This serializer cannot write the value.");
        }

        _inner.Serialize(value, destination);
    }

    public T Deserialize<T>(ReadOnlySpan<byte> source) =>
        onDeserialize ? throw new FormatException("This serializer cannot read the bytes.") : _inner.Deserialize<T>(source);
}
