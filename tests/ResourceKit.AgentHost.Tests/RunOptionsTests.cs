using Microsoft.Extensions.Configuration;
using ResourceKit.AgentHost.Conversation;

namespace ResourceKit.AgentHost.Tests;

public sealed class RunOptionsTests
{
    [Test]
    public void From_NoArguments_RunsUntilStoppedAtNormalLoadWithFiveSecondStatus()
    {
        var options = RunOptions.From(CommandLine());

        Assert.That(options, Is.EqualTo(new RunOptions(null, null, LoadLevel.Normal, TimeSpan.FromSeconds(5))));
    }

    [Test]
    public void From_ReadmeCommandLine_ParsesEveryArgument()
    {
        var options = RunOptions.From(CommandLine("--duration", "60s", "--report", "run.json", "--load", "high", "--status", "2s"));

        Assert.That(options, Is.EqualTo(new RunOptions(TimeSpan.FromSeconds(60), "run.json", LoadLevel.High, TimeSpan.FromSeconds(2))));
    }

    [Test]
    public void From_EqualsSyntaxAndNormalLoad_Parses()
    {
        var options = RunOptions.From(CommandLine("--duration=01:30:00", "--load=normal"));

        Assert.That(options.Duration, Is.EqualTo(TimeSpan.FromMinutes(90)));
        Assert.That(options.Load, Is.EqualTo(LoadLevel.Normal));
    }

    [TestCase("extreme")]
    public void From_UnknownLoad_ThrowsNamingTheArgumentAndTheChoices(string load)
    {
        var exception = Assert.Throws<FormatException>(() => RunOptions.From(CommandLine("--load", load)));

        Assert.That(exception!.Message, Does.StartWith("--load must be 'normal' or 'high'").And.Contain($"'{load}'"));
    }

    [TestCase("duration", "ten")]
    [TestCase("status", "ten")]
    [TestCase("duration", "10x")]
    [TestCase("status", "0s")]
    [TestCase("status", "0.0001s")]
    [TestCase("duration", "2000h")]
    public void From_BadDuration_ThrowsNamingTheArgument(string name, string value)
    {
        var exception = Assert.Throws<FormatException>(() => RunOptions.From(CommandLine($"--{name}", value)));

        Assert.That(exception!.Message, Does.StartWith($"--{name}: ").And.Contain($"'{value}'"));
        Assert.That(exception.InnerException, Is.InstanceOf<FormatException>());
    }

    private static IConfigurationRoot CommandLine(params string[] args) => new ConfigurationBuilder().AddCommandLine(args).Build();
}
