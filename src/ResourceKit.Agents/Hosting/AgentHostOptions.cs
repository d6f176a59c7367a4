using ResourceKit.Scheduling;

namespace ResourceKit.Agents.Hosting;

/// <summary>Options of the reference agent host composed by <c>AddResourceKitAgentHost</c>.</summary>
public sealed class AgentHostOptions
{
    /// <summary>The configuration section the host reads: <c>ResourceKit:AgentHost</c>.</summary>
    public const string SectionName = "ResourceKit:AgentHost";

    /// <summary>
    /// Gets the component allocation table, keyed by component name. The defaults are seed section 1.2 (Core Agent
    /// 256–512 MB High 15 %, GPT interface 128–256 MB Critical 10 %, Gmail 64–128 MB Normal 5 %, Browser 128–512 MB
    /// Normal 10 %, TTS/STT 64–128 MB Normal 8 %, Twilio 32–64 MB Low 3 %, System Monitor 32–64 MB High 5 %), with the
    /// fifteen loops assigned to the component that runs them. Configuration merges into this table: a component's
    /// settings override its defaults one by one, except its <see cref="ComponentAllocation.Loops"/> list, which a
    /// configured list replaces (so a loop moves by listing it under its new component and leaving it out of the old).
    /// </summary>
    public Dictionary<string, ComponentAllocation> Components { get; } = new(StringComparer.OrdinalIgnoreCase)
    {
        ["core_agent"] = ComponentAllocation.Create(256, 512, WorkPriority.High, 15, "heartbeat", "soul_maintenance", "user_input_handler", "notification_dispatcher"),
        ["gpt_interface"] = ComponentAllocation.Create(128, 256, WorkPriority.Critical, 10, "conversation_manager"),
        ["gmail_service"] = ComponentAllocation.Create(64, 128, WorkPriority.Normal, 5, "gmail_sync"),
        ["browser_control"] = ComponentAllocation.Create(128, 512, WorkPriority.Normal, 10, "browser_monitor"),
        ["tts_stt_service"] = ComponentAllocation.Create(64, 128, WorkPriority.Normal, 8, "tts_processor", "stt_processor"),
        ["twilio_service"] = ComponentAllocation.Create(32, 64, WorkPriority.Low, 3, "twilio_handler"),
        ["system_monitor"] = ComponentAllocation.Create(32, 64, WorkPriority.High, 5, "memory_cleanup", "log_rotation", "cache_maintenance", "metrics_collection", "self_optimization"),
    };
}
