using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ResourceKit.AgentHost;
using ResourceKit.AgentHost.Logging;

// appsettings.json sits beside the binary, so the host finds it whatever the working directory is.
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
var run = RunOptions.From(builder.Configuration);
var dataFolder = AgentHostComposition.UseDataFolder(builder.Configuration);

var fileLog = new RollingFileLoggerProvider(Path.Combine(dataFolder, "logs"), TimeProvider.System);
builder.Logging.AddProvider(fileLog);

// The four packages joined, the LLM pipeline, the fifteen loops and the console status and report: see AgentHostComposition.
builder.Services.AddSampleAgentHost(builder.Configuration, run, fileLog);

// The file logger is an instance the container does not own: dispose it after the host, so the lines the host logs
// while stopping and disposing are written.
try
{
    using var host = builder.Build();
    await host.RunAsync();
}
finally
{
    fileLog.Dispose();

    // Lines the host logged while stopping came after the summary, which could not count their drops.
    if (fileLog.DroppedSinceReport is > 0 and var late)
    {
        Console.Error.WriteLine($"file log {fileLog.CurrentPath}: {late} more lines dropped after the summary");
    }
}
