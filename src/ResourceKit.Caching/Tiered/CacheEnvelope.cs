using System.Buffers;
using System.Buffers.Binary;
using ResourceKit.Caching.Compression;
using ResourceKit.Caching.Serialization;

namespace ResourceKit.Caching;

/// <summary>
/// The bytes a value takes in L2 and L3: <c>[format version:1][logical expiry unix ms:8][compression frame]</c>.
/// The logical expiry travels with the value so a promotion keeps the remaining lifetime and fail-safe can tell
/// a fresh value from a stale one, whatever TTL the store itself applies.
/// </summary>
internal static class CacheEnvelope
{
    private const byte FormatVersion = 1;
    private const int HeaderSize = 9;

    public static byte[] Encode<T>(T value, long logicalExpiresUnixMs, ICacheSerializer serializer, PayloadCompressor compressor)
    {
        var raw = new ArrayBufferWriter<byte>(256);
        serializer.Serialize(value, raw);
        var output = new ArrayBufferWriter<byte>(HeaderSize + raw.WrittenCount + 8);
        var header = output.GetSpan(HeaderSize);
        header[0] = FormatVersion;
        BinaryPrimitives.WriteInt64LittleEndian(header[1..], logicalExpiresUnixMs);
        output.Advance(HeaderSize);
        compressor.Encode(raw.WrittenSpan, output);
        return output.WrittenSpan.ToArray();
    }

    /// <exception cref="InvalidDataException">The bytes are not an envelope of this version.</exception>
    public static long ReadLogicalExpiry(ReadOnlySpan<byte> envelope)
    {
        if (envelope.Length < HeaderSize + 1 || envelope[0] != FormatVersion)
        {
            throw new InvalidDataException("The cached value has an unknown format.");
        }

        return BinaryPrimitives.ReadInt64LittleEndian(envelope[1..]);
    }

    /// <exception cref="InvalidDataException">The bytes are not an envelope of this version or fail to decompress.</exception>
    public static T Decode<T>(byte[] envelope, ICacheSerializer serializer)
    {
        ReadLogicalExpiry(envelope);
        var payload = PayloadCompressor.Decode(envelope.AsMemory(HeaderSize));
        return serializer.Deserialize<T>(payload.Span);
    }
}
