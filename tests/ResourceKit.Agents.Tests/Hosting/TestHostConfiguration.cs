using Microsoft.Extensions.Configuration;

namespace ResourceKit.Agents.Tests.Hosting;

/// <summary>Configuration for in-process hosts: memory spend store, a private disk cache folder, no Redis.</summary>
internal static class TestHostConfiguration
{
    public static IConfigurationRoot Create(string folder, params (string Key, string Value)[] extra)
    {
        var values = new Dictionary<string, string?>
        {
            ["ResourceKit:Cost:Store"] = "Memory",
            ["ResourceKit:Caching:Disk:Directory"] = Path.Combine(folder, "l2"),
            ["ResourceKit:Health:SampleOnTimer"] = "false",
        };
        foreach (var (key, value) in extra)
        {
            values[key] = value;
        }

        return new ConfigurationBuilder().AddInMemoryCollection(values).Build();
    }

    public static string NewFolder() => Directory.CreateTempSubdirectory("rk-agents-").FullName;
}
