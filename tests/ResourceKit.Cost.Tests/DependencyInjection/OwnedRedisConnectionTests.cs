using ResourceKit.Cost.DependencyInjection;

namespace ResourceKit.Cost.Tests.DependencyInjection;

public class OwnedRedisConnectionTests
{
    [Test]
    public void Connection_NothingListening_ReturnsADisconnectedConnectionInsteadOfFailingTheHost()
    {
        // Port 1 refuses at once; whether the attempt ends before or after the connect timeout, the multiplexer
        // is returned disconnected and keeps retrying in the background.
        using var owned = new OwnedRedisConnection("127.0.0.1:1,connectTimeout=500");

        var connection = owned.Connection;

        Assert.That(connection.IsConnected, Is.False);
    }
}
