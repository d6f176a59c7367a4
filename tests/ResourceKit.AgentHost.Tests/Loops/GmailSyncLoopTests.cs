using Microsoft.Extensions.DependencyInjection;
using ResourceKit.AgentHost.Conversation;
using ResourceKit.AgentHost.Loops;
using ResourceKit.AgentHost.Services;
using ResourceKit.AgentHost.Tests.TestSupport;
using ResourceKit.Agents.Hosting;

namespace ResourceKit.AgentHost.Tests.Loops;

public sealed class GmailSyncLoopTests
{
    private string _folder = null!;

    [SetUp]
    public void SetUp() => _folder = Directory.CreateTempSubdirectory("rk-agenthost-gmail-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_folder, recursive: true);

    [Test]
    public async Task ExecuteAsync_NewMail_KeepsBodiesInTheGmailPoolAndNotifiesEachMessage()
    {
        await using var host = SampleHost.Create(_folder, new FlakySpendStore());
        var components = host.Services.GetRequiredService<AgentComponents>();
        var mailbox = new AgentMailbox();
        MailMessage[] mail =
        [
            new("m1", "alice@example.com", "Meeting moved", new string('a', 1_000), SampleHost.Start),
            new("m2", "bob@example.com", "Invoice", new string('b', 3_000), SampleHost.Start),
        ];
        var loop = new GmailSyncLoop(new ScriptedMailbox(mail), components, mailbox);

        await loop.ExecuteAsync(CancellationToken.None);

        Assert.That(loop.Synced, Is.EqualTo(2));
        Assert.That(loop.Rejected, Is.Zero);
        Assert.That(components.PoolOf("gmail_service").Statistics.UsedBytes, Is.GreaterThanOrEqualTo(4_000));
        var notifications = new List<string>();
        while (mailbox.Notifications.Reader.TryRead(out var notification))
        {
            notifications.Add(notification);
        }

        Assert.That(notifications, Is.EqualTo(new[] { "New mail from alice@example.com: Meeting moved", "New mail from bob@example.com: Invoice" }));
    }

    private sealed class ScriptedMailbox(IReadOnlyList<MailMessage> messages) : IMailboxClient
    {
        public ValueTask<IReadOnlyList<MailMessage>> FetchNewAsync(CancellationToken cancellationToken) => ValueTask.FromResult(messages);
    }
}
