using Microsoft.Extensions.DependencyInjection;
using ResourceKit.AgentHost.Loops;
using ResourceKit.AgentHost.Tests.TestSupport;
using ResourceKit.Memory.Reclamation;

namespace ResourceKit.AgentHost.Tests.Loops;

public sealed class MemoryCleanupLoopTests
{
    private string _folder = null!;

    [SetUp]
    public void SetUp() => _folder = Directory.CreateTempSubdirectory("rk-agenthost-cleanup-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_folder, recursive: true);

    [Test]
    public async Task ExecuteAsync_NormalPressure_AsksEveryReclaimerForATenthWithoutForcingACollection()
    {
        var first = new RecordingReclaimer("first", freed: 1_000);
        var second = new RecordingReclaimer("second", freed: 234);
        var collector = new RecordingCollector();
        await using var host = SampleHost.CreateWith(_folder, services =>
        {
            services.AddSingleton<IMemoryReclaimer>(first);
            services.AddSingleton<IMemoryReclaimer>(second);
            services.AddSingleton<IGarbageCollector>(collector);
        });
        var loop = host.Services.GetRequiredService<MemoryCleanupLoop>();

        await loop.ExecuteAsync(CancellationToken.None);
        await loop.ExecuteAsync(CancellationToken.None);

        Assert.That(first.Fractions, Is.EqualTo(new[] { 0.10, 0.10 }));
        Assert.That(second.Fractions, Is.EqualTo(new[] { 0.10, 0.10 }));
        Assert.That(loop.BytesReclaimed, Is.GreaterThanOrEqualTo(2 * 1_234), "what the sample's own reclaimers freed counts too");
        Assert.That(collector.Collections, Is.Zero, "no blocking collection without memory pressure");
    }

    [Test]
    public async Task ExecuteAsync_AReclaimerThrows_TheOthersStillRunAndTheirBytesCount()
    {
        var failing = new RecordingReclaimer("failing", freed: 0) { Fail = true };
        var working = new RecordingReclaimer("working", freed: 5_000);
        await using var host = SampleHost.CreateWith(_folder, services =>
        {
            services.AddSingleton<IMemoryReclaimer>(failing);
            services.AddSingleton<IMemoryReclaimer>(working);
            services.AddSingleton<IGarbageCollector>(new RecordingCollector());
        });
        var loop = host.Services.GetRequiredService<MemoryCleanupLoop>();

        Assert.That(async () => await loop.ExecuteAsync(CancellationToken.None), Throws.Nothing);

        Assert.That(failing.Fractions, Has.Count.EqualTo(1));
        Assert.That(working.Fractions, Has.Count.EqualTo(1));
        Assert.That(loop.BytesReclaimed, Is.GreaterThanOrEqualTo(5_000));
    }

    private sealed class RecordingReclaimer(string name, long freed) : IMemoryReclaimer
    {
        public string Name => name;

        public int Priority => 0;

        public bool Fail { get; init; }

        public List<double> Fractions { get; } = [];

        public long Trim(double fraction)
        {
            Fractions.Add(fraction);
            return Fail ? throw new InvalidOperationException("The reclaimer broke.") : freed;
        }
    }
}
