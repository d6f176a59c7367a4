using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using ResourceKit.AgentHost.Logging;
using ResourceKit.Cost.Ledger;

namespace ResourceKit.AgentHost.Tests.TestSupport;

/// <summary>
/// The sample's container built as Program.cs builds it (its appsettings.json, <see cref="AgentHostComposition"/>), with
/// a fake clock, fake logging beside the sample's file log and, optionally, a replacement spend store. The host is
/// built, not started.
/// </summary>
internal sealed class SampleHost : IAsyncDisposable
{
    public static readonly DateTimeOffset Start = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);
    public static readonly TimeSpan Guard = TimeSpan.FromSeconds(20);
    private readonly IHost _host;

    private SampleHost(IHost host, TimerObservingTimeProvider time, RollingFileLoggerProvider fileLog, RunOptions run, string dataFolder)
    {
        _host = host;
        Time = time;
        FileLog = fileLog;
        Run = run;
        DataFolder = dataFolder;
    }

    public IHost Host => _host;

    public IServiceProvider Services => _host.Services;

    public TimerObservingTimeProvider Time { get; }

    public RollingFileLoggerProvider FileLog { get; }

    public RunOptions Run { get; }

    public string DataFolder { get; }

    public FakeLogCollector Logs => Services.GetFakeLogCollector();

    /// <summary>Builds the host; <paramref name="args"/> are the sample's command-line arguments.</summary>
    public static SampleHost Create(string folder, ISpendStore? spendStore = null, params string[] args) =>
        CreateWith(folder, services =>
        {
            if (spendStore is not null)
            {
                services.AddSingleton<ISpendStore>(spendStore);
            }
        }, args);

    /// <summary>Builds the host with <paramref name="replace"/> run after the sample's registrations, to swap in fakes.</summary>
    public static SampleHost CreateWith(string folder, Action<IServiceCollection> replace, params string[] args)
    {
        var configuration = new ConfigurationManager();
        configuration.AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: false);
        configuration.AddCommandLine(["--dataFolder", folder, .. args]);
        var run = RunOptions.From(configuration);
        var dataFolder = AgentHostComposition.UseDataFolder(configuration);
        var time = new TimerObservingTimeProvider(Start);
        var fileLog = new RollingFileLoggerProvider(Path.Combine(dataFolder, "logs"), time);

        var builder = Microsoft.Extensions.Hosting.Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { Configuration = configuration });
        builder.Logging.SetMinimumLevel(LogLevel.Debug).AddFakeLogging().AddProvider(fileLog);
        builder.Services.AddSingleton<TimeProvider>(time);
        builder.Services.AddSampleAgentHost(builder.Configuration, run, fileLog);
        replace(builder.Services);

        return new SampleHost(builder.Build(), time, fileLog, run, dataFolder);
    }

    public T HostedService<T>()
        where T : IHostedService => Services.GetServices<IHostedService>().OfType<T>().Single();

    /// <summary>Waits for the first log record (already written or still to come) that matches.</summary>
    public async Task<FakeLogRecord> WaitForLogAsync(Func<FakeLogRecord, bool> match)
    {
        using var guard = new CancellationTokenSource(Guard);
        await foreach (var record in Logs.GetLogsAsync(guard.Token))
        {
            if (match(record))
            {
                return record;
            }
        }

        throw new InvalidOperationException("The log ended without a matching record.");
    }

    public async ValueTask DisposeAsync()
    {
        if (_host is IAsyncDisposable asyncDisposable)
        {
            await asyncDisposable.DisposeAsync();
        }
        else
        {
            _host.Dispose();
        }

        FileLog.Dispose();
    }
}
