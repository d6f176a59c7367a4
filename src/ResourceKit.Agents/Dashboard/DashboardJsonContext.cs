using System.Text.Json.Serialization;

namespace ResourceKit.Agents.Dashboard;

/// <summary>Source-generated JSON for the dashboard: camel-case names, enums as strings, no reflection.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UseStringEnumConverter = true,
    WriteIndented = true,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(DashboardSnapshot))]
public sealed partial class DashboardJsonContext : JsonSerializerContext;
