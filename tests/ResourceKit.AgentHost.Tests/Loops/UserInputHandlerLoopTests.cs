using Microsoft.Extensions.DependencyInjection;
using ResourceKit.AgentHost.Conversation;
using ResourceKit.AgentHost.Loops;
using ResourceKit.AgentHost.Tests.TestSupport;
using ResourceKit.Caching;

namespace ResourceKit.AgentHost.Tests.Loops;

public sealed class UserInputHandlerLoopTests
{
    private string _folder = null!;

    [SetUp]
    public void SetUp() => _folder = Directory.CreateTempSubdirectory("rk-agenthost-input-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_folder, recursive: true);

    [Test]
    public async Task ExecuteAsync_SeventyCommands_TakesThirtyTwoPerTickAndKeepsTheLastFiftyTrimmed()
    {
        await using var host = SampleHost.Create(_folder, new FlakySpendStore());
        var mailbox = host.Services.GetRequiredService<AgentMailbox>();
        var loop = host.Services.GetRequiredService<UserInputHandlerLoop>();
        for (var i = 0; i < 70; i++)
        {
            mailbox.UserInput.Writer.TryWrite($"  command {i} ");
        }

        await loop.ExecuteAsync(CancellationToken.None);
        Assert.That(loop.Handled, Is.EqualTo(32));
        await loop.ExecuteAsync(CancellationToken.None);
        await loop.ExecuteAsync(CancellationToken.None);
        await loop.ExecuteAsync(CancellationToken.None);

        Assert.That(loop.Handled, Is.EqualTo(70));
        var history = await host.Services.GetRequiredService<TieredCache>().TryGetAsync<List<string>>("conversation:history", CachePolicyNames.ConversationHistory);
        Assert.That(history.HasValue, Is.True);
        Assert.That(history.Value, Is.EqualTo(Enumerable.Range(20, 50).Select(i => $"command {i}")));
    }

    [Test]
    public async Task ExecuteAsync_NoInput_WritesNoHistory()
    {
        await using var host = SampleHost.Create(_folder, new FlakySpendStore());
        var loop = host.Services.GetRequiredService<UserInputHandlerLoop>();

        await loop.ExecuteAsync(CancellationToken.None);

        Assert.That(loop.Handled, Is.Zero);
        var history = await host.Services.GetRequiredService<TieredCache>().TryGetAsync<List<string>>("conversation:history", CachePolicyNames.ConversationHistory);
        Assert.That(history.HasValue, Is.False);
    }
}
