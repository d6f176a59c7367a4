using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.AI;
using ResourceKit.Caching.Serialization;

namespace ResourceKit.Caching.Tests.Serialization;

public sealed class SystemTextJsonCacheSerializerTests
{
    [Test]
    public void Serialize_ThenDeserialize_RoundTripsAValue()
    {
        var serializer = new SystemTextJsonCacheSerializer();

        var copy = RoundTrip(serializer, new Sample("a", 3));

        Assert.That(copy, Is.EqualTo(new Sample("a", 3)));
    }

    [Test]
    public void Serialize_WithSourceGeneratedContext_RoundTrips()
    {
        var serializer = new SystemTextJsonCacheSerializer(SampleJsonContext.Default.Options);

        Assert.That(RoundTrip(serializer, new Sample("b", 4)), Is.EqualTo(new Sample("b", 4)));
    }

    [Test]
    public void Serialize_ChatResponse_RoundTripsWithTheDefaultOptions()
    {
        var serializer = new SystemTextJsonCacheSerializer();
        var response = new ChatResponse(new ChatMessage(ChatRole.Assistant, "hello")) { ModelId = "m" };

        var copy = RoundTrip(serializer, response);

        Assert.That(copy.Text, Is.EqualTo("hello"));
        Assert.That(copy.ModelId, Is.EqualTo("m"));
    }

    [Test]
    public void Deserialize_PayloadNamingAType_NeverInstantiatesIt()
    {
        var serializer = new SystemTextJsonCacheSerializer();
        var payload = Encoding.UTF8.GetBytes("""{"$type":"System.IO.FileInfo, System.IO.FileSystem","OriginalPath":"/etc/passwd"}""");

        var value = serializer.Deserialize<object>(payload);

        Assert.That(value, Is.InstanceOf<JsonElement>());
    }

    [Test]
    public void Constructor_OptionsWithoutResolver_Throws()
    {
        var options = new JsonSerializerOptions { TypeInfoResolver = null };

        Assert.That(() => new SystemTextJsonCacheSerializer(options), Throws.ArgumentException);
    }

    private static T RoundTrip<T>(SystemTextJsonCacheSerializer serializer, T value)
    {
        var buffer = new ArrayBufferWriter<byte>();
        serializer.Serialize(value, buffer);
        return serializer.Deserialize<T>(buffer.WrittenSpan);
    }
}

public sealed record Sample(string Name, int Count);

[JsonSerializable(typeof(Sample))]
internal sealed partial class SampleJsonContext : JsonSerializerContext;
