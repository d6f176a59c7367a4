using System.ComponentModel.DataAnnotations;

namespace ResourceKit.Agents.Simulation;

/// <summary>Options of the <see cref="SimulatedChatClient"/>.</summary>
public sealed class SimulatedChatClientOptions
{
    /// <summary>The default model reported when a request names none.</summary>
    public const string DefaultModelId = "gpt-4o-mini";

    /// <summary>Gets or sets the model reported when a request names none.</summary>
    /// <value>The default value is <c>gpt-4o-mini</c>.</value>
    [Required]
    public string ModelId { get; set; } = DefaultModelId;

    /// <summary>Gets or sets the fewest output tokens of a response (before a request's <c>MaxOutputTokens</c> cap).</summary>
    /// <value>The default value is 80.</value>
    [Range(1, 1_000_000)]
    public int MinOutputTokens { get; set; } = 80;

    /// <summary>Gets or sets the most output tokens of a response (before a request's <c>MaxOutputTokens</c> cap).</summary>
    /// <value>The default value is 600.</value>
    [Range(1, 1_000_000)]
    public int MaxOutputTokens { get; set; } = 600;

    /// <summary>Gets or sets the latency before the first token.</summary>
    /// <value>The default value is 150 ms.</value>
    public TimeSpan TimeToFirstToken { get; set; } = TimeSpan.FromMilliseconds(150);

    /// <summary>Gets or sets the latency per output token.</summary>
    /// <value>The default value is 0.5 ms, about 2000 tokens per second.</value>
    public TimeSpan TimePerOutputToken { get; set; } = TimeSpan.FromMilliseconds(0.5);

    /// <summary>Gets or sets the share of calls (0–1) that fail with a transient <see cref="HttpRequestException"/>, to exercise retries.</summary>
    /// <value>The default value is 0.</value>
    [Range(0.0, 1.0)]
    public double TransientFailureRate { get; set; }
}
