namespace ResourceKit.Agents.Adapters;

/// <summary>The component names the Agents adapters report health under.</summary>
public static class ComponentNames
{
    /// <summary>The process as a whole: CPU, memory, GC.</summary>
    public const string System = "system";

    /// <summary>The agent loops.</summary>
    public const string Loops = "loops";

    /// <summary>The tiered cache.</summary>
    public const string Cache = "cache";

    /// <summary>LLM spend and budgets.</summary>
    public const string Cost = "cost";

    /// <summary>LLM provider calls: their response time.</summary>
    public const string Llm = "llm";
}
