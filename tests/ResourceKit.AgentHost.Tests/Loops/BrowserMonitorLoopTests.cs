using Microsoft.Extensions.DependencyInjection;
using ResourceKit.AgentHost.Loops;
using ResourceKit.AgentHost.Services;
using ResourceKit.AgentHost.Tests.TestSupport;
using ResourceKit.Caching;
using ResourceKit.Memory.ResourcePooling;

namespace ResourceKit.AgentHost.Tests.Loops;

public sealed class BrowserMonitorLoopTests
{
    private static readonly Uri Status = new("https://status.example.com/");
    private string _folder = null!;

    [SetUp]
    public void SetUp() => _folder = Directory.CreateTempSubdirectory("rk-agenthost-browser-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_folder, recursive: true);

    [Test]
    public async Task ExecuteAsync_WatchedPages_CachesEachOnDiskAndCountsOnlyChanges()
    {
        await using var host = SampleHost.Create(_folder, new FlakySpendStore());
        var browser = new ScriptedBrowser();
        await using var pool = new ResourcePool<IBrowserSession>(ResourcePoolPresets.Browser(), _ => ValueTask.FromResult<IBrowserSession>(browser), timeProvider: host.Time);
        var cache = host.Services.GetRequiredService<TieredCache>();
        var loop = new BrowserMonitorLoop(pool, cache);

        for (var tick = 0; tick < 6; tick++)
        {
            await loop.ExecuteAsync(CancellationToken.None); // the three watched pages, twice, unchanged
        }

        Assert.That(browser.Captured, Is.EqualTo(6));
        Assert.That(loop.Changes, Is.EqualTo(3), "the first sight of each page is a change, the unchanged second is not");
        var cached = await cache.TryGetAsync<BrowserMonitorLoop.PageRecord>($"page:{Status}", CachePolicyNames.BrowserPages);
        Assert.That(cached.Value.Length, Is.EqualTo(browser.Html(Status).Length));
        Assert.That(cached.Value.Head, Is.EqualTo(browser.Html(Status)[..4_096]), "only the first 4 KB of the page is kept");
        Assert.That(pool.Statistics.InUse, Is.Zero, "every borrowed browser went back to the pool");

        browser.Revision = 1;
        await loop.ExecuteAsync(CancellationToken.None);
        Assert.That(loop.Changes, Is.EqualTo(4));
    }

    [Test]
    public async Task ExecuteAsync_CaptureFails_ReturnsTheBrowserToThePoolAndTheNextTickWorks()
    {
        await using var host = SampleHost.Create(_folder, new FlakySpendStore());
        var browser = new ScriptedBrowser { Fail = true };
        await using var pool = new ResourcePool<IBrowserSession>(ResourcePoolPresets.Browser(), _ => ValueTask.FromResult<IBrowserSession>(browser), timeProvider: host.Time);
        var loop = new BrowserMonitorLoop(pool, host.Services.GetRequiredService<TieredCache>());

        Assert.That(async () => await loop.ExecuteAsync(CancellationToken.None), Throws.InstanceOf<HttpRequestException>());
        Assert.That(pool.Statistics.InUse, Is.Zero);

        browser.Fail = false;
        await loop.ExecuteAsync(CancellationToken.None);
        Assert.That(loop.Changes, Is.EqualTo(1));
    }

    private sealed class ScriptedBrowser : IBrowserSession
    {
        public int Captured { get; private set; }

        public int Revision { get; set; }

        public bool Fail { get; set; }

        public string Html(Uri url) => $"<html><body>{url.Host} r{Revision} {new string('x', 10_000)}</body></html>";

        public ValueTask<PageSnapshot> CaptureAsync(Uri url, CancellationToken cancellationToken)
        {
            if (Fail)
            {
                throw new HttpRequestException("The browser crashed.");
            }

            Captured++;
            return ValueTask.FromResult(new PageSnapshot(url, Html(url), DateTimeOffset.UnixEpoch));
        }
    }
}
