using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ResourceKit.AgentHost;

var builder = Host.CreateApplicationBuilder(args);

// `--duration 60s` bounds the run; without it the host runs until Ctrl+C.
var duration = RunDuration.Parse(builder.Configuration["duration"]);
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddSingleton(new RunDuration(duration));
builder.Services.AddHostedService<RunLifetimeService>();

using var host = builder.Build();
await host.RunAsync().ConfigureAwait(false);
