using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ResourceKit.AgentHost;
using ResourceKit.AgentHost.Logging;

// appsettings.json sits beside the binary, so the host finds it whatever the working directory is.
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
{
    Args = args,
    ContentRootPath = AppContext.BaseDirectory,
});

// `--duration 60s` bounds the run; without it the host runs until Ctrl+C.
var duration = RunDuration.Parse(builder.Configuration["duration"]);
var fileLog = new RollingFileLoggerProvider(builder.Configuration["logFolder"] ?? Path.Combine(Environment.CurrentDirectory, "logs"), TimeProvider.System);
builder.Logging.AddProvider(fileLog);
builder.Services.AddSingleton(fileLog);
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddSingleton(new RunDuration(duration));
builder.Services.AddHostedService<RunLifetimeService>();

using var host = builder.Build();
await host.RunAsync().ConfigureAwait(false);
