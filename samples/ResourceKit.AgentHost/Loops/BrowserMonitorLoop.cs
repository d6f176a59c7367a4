using System.IO.Hashing;
using System.Text;
using ResourceKit.AgentHost.Services;
using ResourceKit.Caching;
using ResourceKit.Memory.ResourcePooling;
using ResourceKit.Scheduling;

namespace ResourceKit.AgentHost.Loops;

/// <summary>
/// browser_monitor (Normal, 5 s): borrows a browser from the browser pool (1–3 instances, seed preset), captures the
/// watched page, caches it in the browser-pages policy (disk only, 5 minutes) and notes whether it changed.
/// </summary>
internal sealed class BrowserMonitorLoop(ResourcePool<IBrowserSession> browsers, TieredCache cache) : IAgentLoop
{
    private static readonly Uri[] Watched = [new("https://status.example.com/"), new("https://news.example.com/"), new("https://calendar.example.com/")];
    private int _next;

    public long Changes { get; private set; }

    public async ValueTask ExecuteAsync(CancellationToken cancellationToken)
    {
        var url = Watched[_next++ % Watched.Length];
        await using var lease = await browsers.AcquireAsync(TimeSpan.FromSeconds(2), cancellationToken);
        var page = await lease.Resource.CaptureAsync(url, cancellationToken);
        var digest = XxHash3.HashToUInt64(Encoding.UTF8.GetBytes(page.Html));
        var key = $"page:{url}";
        var previous = await cache.TryGetAsync<PageRecord>(key, CachePolicyNames.BrowserPages, cancellationToken);
        if (!previous.HasValue || previous.Value.Digest != digest)
        {
            Changes++;
            await cache.SetAsync(key, new PageRecord(digest, page.Html.Length, page.Html[..Math.Min(4_096, page.Html.Length)]), CachePolicyNames.BrowserPages, cancellationToken);
        }
    }

    internal sealed record PageRecord(ulong Digest, int Length, string Head);
}
