using System.Buffers;
using System.IO.Compression;
using System.Text;
using ResourceKit.Caching.Compression;

namespace ResourceKit.Caching.Tests.Compression;

public sealed class PayloadCompressorTests
{
    private static readonly byte[] Text = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("An LLM answer with some repetition. ", 200)));

    [TestCase(CacheCompressionAlgorithm.Brotli)]
    [TestCase(CacheCompressionAlgorithm.ZLib)]
    public void Encode_TextAboveThreshold_CompressesAndRoundTrips(CacheCompressionAlgorithm algorithm)
    {
        var frame = Encode(new PayloadCompressor(algorithm, 1024, CompressionLevel.Fastest), Text);

        Assert.That(frame[0], Is.EqualTo((byte)algorithm));
        Assert.That(frame.Length, Is.LessThan(Text.Length / 4));
        Assert.That(PayloadCompressor.Decode(frame).ToArray(), Is.EqualTo(Text));
    }

    [Test]
    public void Encode_BelowThreshold_StoresRaw()
    {
        var small = Encoding.UTF8.GetBytes("short");

        var frame = Encode(new PayloadCompressor(CacheCompressionAlgorithm.Brotli, 1024, CompressionLevel.Fastest), small);

        Assert.That(frame[0], Is.EqualTo((byte)CacheCompressionAlgorithm.None));
        Assert.That(PayloadCompressor.Decode(frame).ToArray(), Is.EqualTo(small));
    }

    [Test]
    public void Encode_IncompressibleData_StoresRaw()
    {
        var random = new byte[4096];
        new Random(1).NextBytes(random);

        var frame = Encode(new PayloadCompressor(CacheCompressionAlgorithm.Brotli, 16, CompressionLevel.Fastest), random);

        Assert.That(frame[0], Is.EqualTo((byte)CacheCompressionAlgorithm.None));
        Assert.That(frame.Length, Is.EqualTo(random.Length + 1));
    }

    [TestCase(CacheCompressionAlgorithm.Brotli)]
    [TestCase(CacheCompressionAlgorithm.ZLib)]
    public void Decode_DamagedFrame_ThrowsInvalidData(CacheCompressionAlgorithm algorithm)
    {
        var frame = Encode(new PayloadCompressor(algorithm, 16, CompressionLevel.Fastest), Text);
        var truncated = frame[..(frame.Length / 2)];

        Assert.That(() => PayloadCompressor.Decode(truncated), Throws.InstanceOf<InvalidDataException>());
    }

    [Test]
    public void Decode_ForgedHeaders_ThrowInvalidData()
    {
        Assert.That(() => PayloadCompressor.Decode(Array.Empty<byte>()), Throws.InstanceOf<InvalidDataException>());
        Assert.That(() => PayloadCompressor.Decode(new byte[] { 9, 0, 0, 0, 0, 1 }), Throws.InstanceOf<InvalidDataException>());
        Assert.That(() => PayloadCompressor.Decode(new byte[] { 1, 0xff, 0xff, 0xff, 0x7f, 1 }), Throws.InstanceOf<InvalidDataException>());
    }

    private static byte[] Encode(PayloadCompressor compressor, byte[] raw)
    {
        var buffer = new ArrayBufferWriter<byte>();
        compressor.Encode(raw, buffer);
        return buffer.WrittenSpan.ToArray();
    }
}
