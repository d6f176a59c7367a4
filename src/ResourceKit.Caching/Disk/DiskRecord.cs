using System.Buffers;
using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;

namespace ResourceKit.Caching.Disk;

/// <summary>
/// The on-disk record: a fixed header, the UTF-8 key (to detect the astronomically unlikely hash
/// collision of two keys on one file name), the value and a trailing XxHash3 checksum of everything
/// before it. A record that is short, has the wrong magic or fails the checksum is rejected whole.
/// </summary>
/// <remarks>
/// Layout (little-endian): <c>magic "RKC1":4 | expiry unix ms:8 | key length:4 | value length:4 | key | value | checksum:8</c>.
/// </remarks>
internal static class DiskRecord
{
    public const int HeaderSize = 20;
    public const int ChecksumSize = 8;
    private const uint Magic = 0x31434B52; // "RKC1"

    public static byte[] Encode(string key, ReadOnlySpan<byte> value, long expiresUnixMs)
    {
        var keyLength = Encoding.UTF8.GetByteCount(key);
        var record = new byte[HeaderSize + keyLength + value.Length + ChecksumSize];
        var span = record.AsSpan();
        BinaryPrimitives.WriteUInt32LittleEndian(span, Magic);
        BinaryPrimitives.WriteInt64LittleEndian(span[4..], expiresUnixMs);
        BinaryPrimitives.WriteInt32LittleEndian(span[12..], keyLength);
        BinaryPrimitives.WriteInt32LittleEndian(span[16..], value.Length);
        Encoding.UTF8.GetBytes(key, span.Slice(HeaderSize, keyLength));
        value.CopyTo(span[(HeaderSize + keyLength)..]);
        var body = span[..^ChecksumSize];
        BinaryPrimitives.WriteUInt64LittleEndian(span[^ChecksumSize..], XxHash3.HashToUInt64(body));
        return record;
    }

    /// <summary>Reads the expiry from a header, or returns <see langword="false"/> when the header is not ours.</summary>
    public static bool TryReadHeader(ReadOnlySpan<byte> header, long fileLength, out long expiresUnixMs)
    {
        expiresUnixMs = 0;
        if (header.Length < HeaderSize || BinaryPrimitives.ReadUInt32LittleEndian(header) != Magic)
        {
            return false;
        }

        expiresUnixMs = BinaryPrimitives.ReadInt64LittleEndian(header[4..]);
        var keyLength = BinaryPrimitives.ReadInt32LittleEndian(header[12..]);
        var valueLength = BinaryPrimitives.ReadInt32LittleEndian(header[16..]);
        return keyLength >= 0 && valueLength >= 0 && (long)HeaderSize + keyLength + valueLength + ChecksumSize == fileLength;
    }

    /// <summary>Validates a whole record and extracts its value when it belongs to <paramref name="key"/>.</summary>
    public static DiskRecordStatus TryDecode(byte[] record, string key, out long expiresUnixMs, out ReadOnlyMemory<byte> value)
    {
        value = default;
        var span = record.AsSpan();
        if (!TryReadHeader(span, record.Length, out expiresUnixMs))
        {
            return DiskRecordStatus.Corrupt;
        }

        if (XxHash3.HashToUInt64(span[..^ChecksumSize]) != BinaryPrimitives.ReadUInt64LittleEndian(span[^ChecksumSize..]))
        {
            return DiskRecordStatus.Corrupt;
        }

        var keyLength = BinaryPrimitives.ReadInt32LittleEndian(span[12..]);
        var valueLength = BinaryPrimitives.ReadInt32LittleEndian(span[16..]);
        var keyBytes = span.Slice(HeaderSize, keyLength);
        if (!IsKey(keyBytes, key))
        {
            return DiskRecordStatus.OtherKey;
        }

        value = record.AsMemory(HeaderSize + keyLength, valueLength);
        return DiskRecordStatus.Valid;
    }

    /// <summary>The file name for a key: 32 hex digits of its XxHash128, never the key itself.</summary>
    public static string FileNameFor(string key)
    {
        var hash = XxHash128.Hash(Encoding.UTF8.GetBytes(key));
        return Convert.ToHexStringLower(hash);
    }

    private static readonly SearchValues<char> LowerHexDigits = SearchValues.Create("0123456789abcdef");

    /// <summary>Whether <paramref name="name"/> has the shape of <see cref="FileNameFor"/>'s output: 32 lower-case hex digits.</summary>
    public static bool IsFileName(string name) => name.Length == 32 && !name.AsSpan().ContainsAnyExcept(LowerHexDigits);

    private static bool IsKey(ReadOnlySpan<byte> keyBytes, string key)
    {
        Span<byte> buffer = keyBytes.Length <= 512 ? stackalloc byte[keyBytes.Length] : new byte[keyBytes.Length];
        return Encoding.UTF8.GetByteCount(key) == keyBytes.Length
            && Encoding.UTF8.GetBytes(key, buffer) == keyBytes.Length
            && buffer.SequenceEqual(keyBytes);
    }
}

/// <summary>The outcome of decoding a record.</summary>
internal enum DiskRecordStatus
{
    Valid,
    Corrupt,
    OtherKey,
}
