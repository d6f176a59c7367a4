using System.Buffers;

namespace ResourceKit.Caching.Serialization;

/// <summary>
/// Turns cached values into bytes for the disk and distributed tiers and back.
/// </summary>
/// <remarks>
/// Implementations must only ever produce the type the caller asks for: a serializer that reads a
/// type name from the payload and instantiates it (BinaryFormatter-style) turns a writable cache into
/// a remote code execution hole, so it must never be used here.
/// </remarks>
public interface ICacheSerializer
{
    /// <summary>Writes <paramref name="value"/> to <paramref name="destination"/>.</summary>
    /// <typeparam name="T">The declared type of the value.</typeparam>
    /// <param name="value">The value to write.</param>
    /// <param name="destination">The buffer that receives the bytes.</param>
    void Serialize<T>(T value, IBufferWriter<byte> destination);

    /// <summary>Reads a value of type <typeparamref name="T"/> from <paramref name="source"/>.</summary>
    /// <typeparam name="T">The type to read; the payload never chooses another.</typeparam>
    /// <param name="source">The bytes written by <see cref="Serialize{T}(T, IBufferWriter{byte})"/>.</param>
    /// <returns>The value.</returns>
    T Deserialize<T>(ReadOnlySpan<byte> source);
}
