using System.Buffers;
using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;
using ResourceKit.Caching.Compression;
using ResourceKit.Caching.Serialization;

namespace ResourceKit.Caching;

/// <summary>
/// The bytes a value takes in L2 and L3:
/// <c>[format version:1][logical expiry unix ms:8][type check:8][compression frame]</c>.
/// The logical expiry travels with the value so a promotion keeps the remaining lifetime and fail-safe can tell
/// a fresh value from a stale one, whatever TTL the store itself applies. The type check is a hash of the stored
/// type's name: a read as another type is a miss, where a lenient serializer would hand back a half-empty object
/// (and the cache would promote it). It only checks; the type to deserialize is always the caller's, never one the
/// bytes name.
/// </summary>
internal static class CacheEnvelope
{
    // 2: the type check was added. Records of version 1 carry no type and read as misses.
    private const byte FormatVersion = 2;
    private const int HeaderSize = 17;

    public static byte[] Encode<T>(T value, long logicalExpiresUnixMs, ICacheSerializer serializer, PayloadCompressor compressor)
    {
        var raw = new ArrayBufferWriter<byte>(256);
        serializer.Serialize(value, raw);
        var output = new ArrayBufferWriter<byte>(HeaderSize + raw.WrittenCount + 8);
        var header = output.GetSpan(HeaderSize);
        header[0] = FormatVersion;
        BinaryPrimitives.WriteInt64LittleEndian(header[1..], logicalExpiresUnixMs);
        BinaryPrimitives.WriteUInt64LittleEndian(header[9..], TypeCheck<T>.Value);
        output.Advance(HeaderSize);
        compressor.Encode(raw.WrittenSpan, output);
        return output.WrittenSpan.ToArray();
    }

    /// <summary>Reads the header: whether the bytes hold a value of type <typeparamref name="T"/>, and its logical expiry.</summary>
    /// <exception cref="InvalidDataException">The bytes are not an envelope of any version.</exception>
    public static CacheEnvelopeStatus Inspect<T>(ReadOnlySpan<byte> envelope, out long logicalExpiresUnixMs)
    {
        logicalExpiresUnixMs = 0;
        if (envelope.Length < 1 || envelope[0] is 0 or > FormatVersion)
        {
            throw new InvalidDataException("The cached value has an unknown format.");
        }

        if (envelope[0] < FormatVersion)
        {
            // Version 1 was [1][logical expiry:8][payload frame]: anything shorter is damaged, not merely older, and
            // is dropped from every tier like any unreadable record (no host can read it).
            return envelope.Length > 1 + sizeof(long)
                ? CacheEnvelopeStatus.OlderFormat
                : throw new InvalidDataException("The cached value is truncated.");
        }

        if (envelope.Length < HeaderSize + 1)
        {
            throw new InvalidDataException("The cached value is truncated.");
        }

        logicalExpiresUnixMs = BinaryPrimitives.ReadInt64LittleEndian(envelope[1..]);
        return BinaryPrimitives.ReadUInt64LittleEndian(envelope[9..]) == TypeCheck<T>.Value ? CacheEnvelopeStatus.Readable : CacheEnvelopeStatus.OtherType;
    }

    /// <exception cref="InvalidDataException">The bytes are not a readable envelope of <typeparamref name="T"/> or fail to decompress.</exception>
    public static T Decode<T>(byte[] envelope, ICacheSerializer serializer)
    {
        if (Inspect<T>(envelope, out _) != CacheEnvelopeStatus.Readable)
        {
            throw new InvalidDataException($"The cached value is not a {typeof(T).Name} of this format.");
        }

        var payload = PayloadCompressor.Decode(envelope.AsMemory(HeaderSize));
        return serializer.Deserialize<T>(payload.Span);
    }

    /// <summary>
    /// The name of a type without assembly versions (so hosts on different builds agree), with generic arguments and
    /// array ranks spelled out: <c>List&lt;A&gt;</c> and <c>List&lt;B&gt;</c> differ.
    /// </summary>
    internal static string StableName(Type type)
    {
        if (type.IsArray)
        {
            return StableName(type.GetElementType()!) + "[" + new string(',', type.GetArrayRank() - 1) + "]";
        }

        if (!type.IsGenericType)
        {
            return type.FullName ?? type.Name;
        }

        var definition = type.GetGenericTypeDefinition();
        return (definition.FullName ?? definition.Name) + "[" + string.Join(",", type.GetGenericArguments().Select(StableName)) + "]";
    }

    private static class TypeCheck<T>
    {
        public static readonly ulong Value = XxHash64.HashToUInt64(Encoding.UTF8.GetBytes(StableName(typeof(T))));
    }
}
