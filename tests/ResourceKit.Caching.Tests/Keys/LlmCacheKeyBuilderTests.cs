using System.Text;
using Microsoft.Extensions.AI;
using ResourceKit.Caching.Keys;

namespace ResourceKit.Caching.Tests.Keys;

public sealed class LlmCacheKeyBuilderTests
{
    private readonly LlmCacheKeyBuilder _builder = new();

    [Test]
    public void BuildFromJson_ReorderedPropertiesAndWhitespace_GiveTheSameKey()
    {
        var a = """{"model":"gpt-5","temperature":0.7,"messages":[{"role":"user","content":"Hi"}],"tools":[{"name":"search","parameters":{"q":"string","n":"int"}}]}""";
        var b = """
            {
              "messages" : [ { "content" : "Hi", "role" : "user" } ],
              "tools": [ { "parameters": { "n": "int", "q": "string" }, "name": "search" } ],
              "temperature": 0.70,
              "model": "gpt-5"
            }
            """;

        Assert.That(_builder.BuildFromJson(Encoding.UTF8.GetBytes(a)), Is.EqualTo(_builder.BuildFromJson(Encoding.UTF8.GetBytes(b))));
    }

    [Test]
    public void BuildFromJson_DifferentTemperature_GivesADifferentKey()
    {
        var a = """{"model":"gpt-5","temperature":0.7,"messages":[]}""";
        var b = """{"model":"gpt-5","temperature":0.8,"messages":[]}""";

        Assert.That(_builder.BuildFromJson(Encoding.UTF8.GetBytes(a)), Is.Not.EqualTo(_builder.BuildFromJson(Encoding.UTF8.GetBytes(b))));
    }

    [Test]
    public void BuildFromJson_ArrayOrder_Matters()
    {
        var a = """{"messages":[{"content":"a"},{"content":"b"}]}""";
        var b = """{"messages":[{"content":"b"},{"content":"a"}]}""";

        Assert.That(_builder.BuildFromJson(Encoding.UTF8.GetBytes(a)), Is.Not.EqualTo(_builder.BuildFromJson(Encoding.UTF8.GetBytes(b))));
    }

    [Test]
    public void Build_SameRequest_GivesAStableFixedSizeKey()
    {
        var key = _builder.Build([new ChatMessage(ChatRole.User, "Hello")], new ChatOptions { ModelId = "gpt-5", Temperature = 0.2f });

        Assert.That(key, Does.Match("^[0-9a-f]{64}$"));
        Assert.That(_builder.Build([new ChatMessage(ChatRole.User, "Hello")], new ChatOptions { ModelId = "gpt-5", Temperature = 0.2f }), Is.EqualTo(key));
        Assert.That(new LlmCacheKeyBuilder(LlmCacheKeyAlgorithm.XxHash128).Build([new ChatMessage(ChatRole.User, "Hello")]), Does.Match("^[0-9a-f]{32}$"));
    }

    [Test]
    public void Defaults_UseSha256_WhoseCollisionsCannotBeForged()
    {
        ChatMessage[] messages = [new ChatMessage(ChatRole.User, "Hello")];

        Assert.That(new LlmCacheKeyBuilder().Build(messages), Is.EqualTo(new LlmCacheKeyBuilder(LlmCacheKeyAlgorithm.Sha256).Build(messages)));
        Assert.That(new ResourceKit.Caching.Chat.TieredChatCacheOptions().KeyAlgorithm, Is.EqualTo(LlmCacheKeyAlgorithm.Sha256));
    }

    [TestCase("12345678901234567890", "12345678901234567891")]
    [TestCase("0.1", "0.10000000000000001")]
    [TestCase("1e400", "1e401")]
    [TestCase("123456789012345678901234567890.5", "123456789012345678901234567890.50000000001")]
    [TestCase("9223372036854775808", "9223372036854775809")]
    public void BuildFromJson_NumbersADoubleCannotTellApart_GiveDifferentKeys(string a, string b) =>
        Assert.That(_builder.BuildFromJson(Seed(a)), Is.Not.EqualTo(_builder.BuildFromJson(Seed(b))));

    [TestCase("0.7", "7e-1")]
    [TestCase("0.70", "70E-2")]
    [TestCase("1", "1.0")]
    [TestCase("1", "1e0")]
    [TestCase("100", "1e2")]
    [TestCase("0", "-0.0")]
    [TestCase("12345678901234567890", "1.2345678901234567890e19")]
    public void BuildFromJson_SpellingsOfOneNumber_GiveTheSameKey(string a, string b) =>
        Assert.That(_builder.BuildFromJson(Seed(a)), Is.EqualTo(_builder.BuildFromJson(Seed(b))));

    [TestCase("-0.0015", "-15e-4")]
    [TestCase("1000000000000000000", "1000000000000000000")]
    [TestCase("10000000000000000000", "1e19")]
    [TestCase("-120e-1", "-12")]
    public void CanonicalNumber_WritesTheExactValueInOneSpelling(string token, string expected) =>
        Assert.That(CanonicalJson.CanonicalNumber(token), Is.EqualTo(expected));

    private static byte[] Seed(string number) => Encoding.UTF8.GetBytes("{\"seed\":" + number + "}");

    [Test]
    public void Build_AdditionalPropertiesInAnotherOrder_GiveTheSameKey()
    {
        var first = new ChatOptions { ModelId = "m", AdditionalProperties = new() { ["a"] = 1, ["b"] = "x" } };
        var second = new ChatOptions { ModelId = "m", AdditionalProperties = new() { ["b"] = "x", ["a"] = 1 } };

        Assert.That(_builder.Build([new ChatMessage(ChatRole.User, "q")], first), Is.EqualTo(_builder.Build([new ChatMessage(ChatRole.User, "q")], second)));
    }

    [Test]
    public void Build_DifferentTemperatureModelToolsOrScope_GiveDifferentKeys()
    {
        ChatMessage[] messages = [new ChatMessage(ChatRole.User, "q")];
        var baseline = _builder.Build(messages, new ChatOptions { ModelId = "m", Temperature = 0.7f });

        Assert.That(_builder.Build(messages, new ChatOptions { ModelId = "m", Temperature = 0.8f }), Is.Not.EqualTo(baseline));
        Assert.That(_builder.Build(messages, new ChatOptions { ModelId = "n", Temperature = 0.7f }), Is.Not.EqualTo(baseline));
        Assert.That(_builder.Build(messages, new ChatOptions { ModelId = "m", Temperature = 0.7f, Tools = [AIFunctionFactory.Create(() => 1, "tool")] }), Is.Not.EqualTo(baseline));
        Assert.That(_builder.Build(messages, new ChatOptions { ModelId = "m", Temperature = 0.7f }, scope: "tenant-b"), Is.Not.EqualTo(baseline));
    }

    [Test]
    public void Build_SameToolNameWithDifferentParameters_GivesDifferentKeys()
    {
        ChatMessage[] messages = [new ChatMessage(ChatRole.User, "q")];
        var byCity = new ChatOptions { Tools = [AIFunctionFactory.Create((string city) => city, "weather")] };
        var byZip = new ChatOptions { Tools = [AIFunctionFactory.Create((int zip) => zip, "weather")] };

        Assert.That(_builder.Build(messages, byCity), Is.Not.EqualTo(_builder.Build(messages, byZip)));
        Assert.That(_builder.Build(messages, byCity), Is.EqualTo(_builder.Build(messages, new ChatOptions { Tools = [AIFunctionFactory.Create((string city) => city, "weather")] })));
    }

    [Test]
    public void Build_MessageTimestampsAndIds_AreIgnored()
    {
        var a = new ChatMessage(ChatRole.User, "q") { CreatedAt = DateTimeOffset.UnixEpoch, MessageId = "1" };
        var b = new ChatMessage(ChatRole.User, "q") { CreatedAt = DateTimeOffset.UnixEpoch.AddDays(1), MessageId = "2" };

        Assert.That(_builder.Build([a]), Is.EqualTo(_builder.Build([b])));
    }

    [Test]
    public void Methods_BadInput_Throw()
    {
        Assert.That(() => _builder.BuildFromJson("{not json"u8), Throws.ArgumentException);
        Assert.That(() => _builder.Build(null!), Throws.ArgumentNullException);
        Assert.That(() => new LlmCacheKeyBuilder((LlmCacheKeyAlgorithm)9), Throws.InstanceOf<ArgumentOutOfRangeException>());
    }
}
