using System.Text;

namespace ResourceKit.Benchmarks.Tiered;

/// <summary>Deterministic LLM-response-like text: prose from a broad vocabulary, lists and code blocks, as a model answers.</summary>
internal static class LlmResponseText
{
    private static readonly string[] Words =
    [
        "the", "a", "to", "of", "and", "in", "is", "that", "for", "it", "as", "with", "be", "on", "not", "this", "by", "are", "or", "can",
        "cache", "memory", "request", "response", "model", "token", "budget", "latency", "throughput", "agent", "loop", "scheduler", "priority",
        "value", "function", "return", "configuration", "service", "client", "server", "connection", "timeout", "retry", "error", "exception",
        "database", "query", "index", "table", "column", "performance", "allocation", "garbage", "collection", "thread", "task", "async",
        "however", "therefore", "because", "example", "instance", "consider", "approach", "solution", "problem", "result", "different", "several",
        "important", "usually", "often", "should", "would", "could", "might", "first", "second", "finally", "also", "only", "each", "every",
        "user", "tenant", "prompt", "embedding", "vector", "similarity", "threshold", "policy", "tier", "disk", "redis", "compression", "latency",
        "Paris", "France", "capital", "city", "population", "history", "century", "river", "museum", "tower", "weather", "forecast", "summary",
    ];

    public static string Create(int bytes, int seed)
    {
        var random = new Random(seed);
        var text = new StringBuilder(bytes + 256);
        while (text.Length < bytes)
        {
            switch (random.Next(10))
            {
                case 0:
                    text.Append("\n```csharp\nvar ").Append(Word(random)).Append(" = await client.GetAsync(\"").Append(Word(random)).Append("\", cancellationToken);\nif (")
                        .Append(Word(random)).Append(" is null) { return ").Append(random.Next(1000)).Append("; }\n```\n");
                    break;
                case 1:
                    text.Append("\n- ").Append(Capitalized(random)).Append(' ').Append(Word(random)).Append(": ").Append(random.Next(100)).Append("%\n");
                    break;
                default:
                    text.Append(Capitalized(random));
                    var length = 6 + random.Next(18);
                    for (var i = 0; i < length; i++)
                    {
                        text.Append(' ').Append(Word(random));
                    }

                    text.Append(random.Next(5) == 0 ? ", " + random.Next(10_000) + " items." : ". ");
                    break;
            }
        }

        return text.ToString(0, bytes);
    }

    private static string Word(Random random) => Words[random.Next(Words.Length)];

    private static string Capitalized(Random random)
    {
        var word = Word(random);
        return char.ToUpperInvariant(word[0]) + word[1..];
    }
}
