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

        Assert.That(key, Does.Match("^[0-9a-f]{32}$"));
        Assert.That(_builder.Build([new ChatMessage(ChatRole.User, "Hello")], new ChatOptions { ModelId = "gpt-5", Temperature = 0.2f }), Is.EqualTo(key));
        Assert.That(new LlmCacheKeyBuilder(LlmCacheKeyAlgorithm.Sha256).Build([new ChatMessage(ChatRole.User, "Hello")]), Does.Match("^[0-9a-f]{64}$"));
    }

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
