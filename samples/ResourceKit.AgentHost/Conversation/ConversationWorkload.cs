using System.Globalization;
using Microsoft.Extensions.AI;
using ResourceKit.Agents.Llm;
using ResourceKit.Agents.Simulation;
using ResourceKit.Cost.Chat;

namespace ResourceKit.AgentHost.Conversation;

/// <summary>
/// Simulated users: turns whose questions follow a Zipf distribution over a fixed set (people ask the same things
/// again and again, which is what makes an LLM response cache pay), with task types that drive model tiering.
/// </summary>
internal sealed class ConversationWorkload(LoadLevel load, int seed = 7)
{
    private static readonly string[] Topics =
    [
        "my calendar today", "unread email from Alice", "the weather this afternoon", "tomorrow's first meeting",
        "the project status report", "my open invoices", "the team standup notes", "flights to Berlin next week",
        "the quarterly budget", "customer tickets marked urgent", "my reminders for tonight", "the release checklist",
    ];

    private static readonly string[] Verbs = ["What is", "Summarize", "Remind me about", "Draft a reply about", "List", "Explain"];

    private readonly Random _random = new(seed);
    private readonly Lock _gate = new();
    private readonly double[] _zipf = BuildZipf(Topics.Length * Verbs.Length, exponent: 1.1);
    private long _unique;

    /// <summary>Gets how many turns each conversation_manager tick processes.</summary>
    public int TurnsPerTick => load == LoadLevel.High ? 64 : 12;

    /// <summary>Gets how many turns run at once.</summary>
    public int Concurrency => load == LoadLevel.High ? 32 : 4;

    /// <summary>Gets the simulated provider's behaviour: code generation under high load writes long answers.</summary>
    public SimulatedChatClientOptions ProviderOptions => load == LoadLevel.High
        ? new SimulatedChatClientOptions { MinOutputTokens = 800, MaxOutputTokens = 2_400, TimePerOutputToken = TimeSpan.FromMilliseconds(0.1) }
        : new SimulatedChatClientOptions();

    public (ChatMessage[] Messages, ChatOptions Options) NextTurn()
    {
        lock (_gate)
        {
            string question;
            string taskType;
            double complexity;
            if (load == LoadLevel.High && _random.NextDouble() < 0.9)
            {
                // Mostly questions never seen before, and heavier work, so the cache cannot absorb the load.
                question = string.Create(CultureInfo.InvariantCulture, $"Write code to reconcile ledger batch {Interlocked.Increment(ref _unique)} against the bank export.");
                taskType = "code_generation";
                complexity = 0.9;
            }
            else
            {
                var index = Sample();
                question = $"{Verbs[index % Verbs.Length]} {Topics[index / Verbs.Length]}?";
                taskType = index % 3 == 0 ? "summarization" : "chat";
                complexity = taskType == "summarization" ? 0.6 : 0.3;
            }

            var options = new ChatOptions { MaxOutputTokens = taskType == "code_generation" ? 2_400 : 600 };
            options.AdditionalProperties = new AdditionalPropertiesDictionary
            {
                [ModelTieringChatClient.TaskTypePropertyName] = taskType,
                [ModelTieringChatClient.ComplexityPropertyName] = complexity,
                [BudgetChatClient.CategoryPropertyName] = "conversation",
                [BudgetChatClient.AgentPropertyName] = "conversation_manager",
            };
            ChatMessage[] messages =
            [
                new(ChatRole.System, "You are a concise personal assistant agent running 24/7."),
                new(ChatRole.User, question),
            ];
            return (messages, options);
        }
    }

    private int Sample()
    {
        var u = _random.NextDouble();
        var index = Array.BinarySearch(_zipf, u);
        return Math.Min(index < 0 ? ~index : index, _zipf.Length - 1);
    }

    private static double[] BuildZipf(int n, double exponent)
    {
        var cumulative = new double[n];
        double sum = 0;
        for (var i = 0; i < n; i++)
        {
            sum += 1 / Math.Pow(i + 1, exponent);
            cumulative[i] = sum;
        }

        for (var i = 0; i < n; i++)
        {
            cumulative[i] /= sum;
        }

        return cumulative;
    }
}
