using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;

namespace ResourceKit.Caching.Compression;

/// <summary>
/// Frames a serialized value with a one-byte header that says how it was compressed, so a reader
/// never guesses and a store can hold compressed and raw values side by side (for example after
/// the threshold or algorithm changes).
/// </summary>
/// <remarks>
/// Frame: <c>[algorithm:1]</c> then, for a compressed value, <c>[original length:4 LE]</c>, then the
/// bytes. A value is kept raw when it is under the threshold or compression does not make it smaller.
/// </remarks>
internal sealed class PayloadCompressor(CacheCompressionAlgorithm algorithm, int thresholdBytes, CompressionLevel level)
{
    private const int CompressedHeaderSize = 5;

    /// <summary>The largest original length a frame may claim; guards decompression against forged headers.</summary>
    internal const int MaximumOriginalLength = 512 * 1024 * 1024;

    /// <summary>Writes the framed form of <paramref name="raw"/> to <paramref name="destination"/>.</summary>
    public void Encode(ReadOnlySpan<byte> raw, IBufferWriter<byte> destination)
    {
        if (algorithm != CacheCompressionAlgorithm.None && raw.Length >= thresholdBytes)
        {
            var compressed = Compress(raw);
            if (compressed is not null)
            {
                var span = destination.GetSpan(CompressedHeaderSize + compressed.Length);
                span[0] = (byte)algorithm;
                BinaryPrimitives.WriteInt32LittleEndian(span[1..], raw.Length);
                compressed.CopyTo(span[CompressedHeaderSize..]);
                destination.Advance(CompressedHeaderSize + compressed.Length);
                return;
            }
        }

        var rawSpan = destination.GetSpan(1 + raw.Length);
        rawSpan[0] = (byte)CacheCompressionAlgorithm.None;
        raw.CopyTo(rawSpan[1..]);
        destination.Advance(1 + raw.Length);
    }

    /// <summary>Returns the original bytes of a frame written by <see cref="Encode"/>.</summary>
    /// <exception cref="InvalidDataException">The frame is malformed.</exception>
    public static ReadOnlyMemory<byte> Decode(ReadOnlyMemory<byte> frame)
    {
        if (frame.IsEmpty)
        {
            throw new InvalidDataException("The cached value has no compression header.");
        }

        var kind = (CacheCompressionAlgorithm)frame.Span[0];
        if (kind == CacheCompressionAlgorithm.None)
        {
            return frame[1..];
        }

        if (frame.Length < CompressedHeaderSize)
        {
            throw new InvalidDataException("The compressed cache value is truncated.");
        }

        var originalLength = BinaryPrimitives.ReadInt32LittleEndian(frame.Span[1..]);
        if (originalLength is < 0 or > MaximumOriginalLength)
        {
            throw new InvalidDataException($"The compressed cache value claims an invalid length {originalLength}.");
        }

        var body = frame[CompressedHeaderSize..];
        var output = new byte[originalLength];
        var written = kind switch
        {
            CacheCompressionAlgorithm.Brotli => BrotliDecode(body.Span, output),
            CacheCompressionAlgorithm.ZLib => ZLibDecode(body, output),
            _ => throw new InvalidDataException($"Unknown compression algorithm {(int)kind} in a cached value."),
        };
        if (written != originalLength)
        {
            throw new InvalidDataException("The compressed cache value does not decompress to its recorded length.");
        }

        return output;
    }

    private byte[]? Compress(ReadOnlySpan<byte> raw)
    {
        if (algorithm == CacheCompressionAlgorithm.Brotli)
        {
            var buffer = ArrayPool<byte>.Shared.Rent(BrotliEncoder.GetMaxCompressedLength(raw.Length));
            try
            {
                var quality = level switch
                {
                    CompressionLevel.NoCompression or CompressionLevel.Fastest => 1,
                    CompressionLevel.SmallestSize => 11,
                    _ => 4,
                };
                if (BrotliEncoder.TryCompress(raw, buffer, out var written, quality, 22) && written + CompressedHeaderSize < raw.Length)
                {
                    return buffer.AsSpan(0, written).ToArray();
                }

                return null;
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        using var output = new MemoryStream(raw.Length / 2);
        using (var zlib = new ZLibStream(output, level, leaveOpen: true))
        {
            zlib.Write(raw);
        }

        return output.Length + CompressedHeaderSize < raw.Length ? output.ToArray() : null;
    }

    private static int BrotliDecode(ReadOnlySpan<byte> body, byte[] output)
    {
        if (!BrotliDecoder.TryDecompress(body, output, out var written))
        {
            throw new InvalidDataException("The Brotli-compressed cache value is corrupt.");
        }

        return written;
    }

    private static int ZLibDecode(ReadOnlyMemory<byte> body, byte[] output)
    {
        using var input = new MemoryStream(body.ToArray(), writable: false);
        using var zlib = new ZLibStream(input, CompressionMode.Decompress);
        var total = 0;
        int read;
        while (total < output.Length && (read = zlib.Read(output, total, output.Length - total)) > 0)
        {
            total += read;
        }

        if (zlib.ReadByte() != -1)
        {
            throw new InvalidDataException("The ZLib-compressed cache value is longer than its recorded length.");
        }

        return total;
    }
}
