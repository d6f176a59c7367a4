namespace ResourceKit.AgentHost.Tests;

public sealed class RunDurationTests
{
    private static readonly object[] ValidForms =
    [
        new object[] { "60s", TimeSpan.FromSeconds(60) },
        new object[] { "5m", TimeSpan.FromMinutes(5) },
        new object[] { "2h", TimeSpan.FromHours(2) },
        new object[] { "1.5h", TimeSpan.FromMinutes(90) },
        new object[] { "0.25s", TimeSpan.FromMilliseconds(250) },
        new object[] { "90", TimeSpan.FromSeconds(90) },
        new object[] { "1e3", TimeSpan.FromSeconds(1000) },
        new object[] { " 30S ", TimeSpan.FromSeconds(30) },
        new object[] { "10M", TimeSpan.FromMinutes(10) },
        new object[] { "01:00:00", TimeSpan.FromHours(1) },
        new object[] { "00:00:00.5", TimeSpan.FromMilliseconds(500) },
        new object[] { "1.02:00:00", TimeSpan.FromHours(26) },
        new object[] { "0.001s", TimeSpan.FromMilliseconds(1) },
    ];

    [TestCaseSource(nameof(ValidForms))]
    public void Parse_ValidForm_ReturnsDuration(string text, TimeSpan expected) =>
        Assert.That(RunDuration.Parse(text), Is.EqualTo(expected));

    [TestCase(null)]
    [TestCase("")]
    [TestCase("   ")]
    public void Parse_Missing_ReturnsNull(string? text) => Assert.That(RunDuration.Parse(text), Is.Null);

    [TestCase("10x", "Unknown duration unit 'x'")]
    [TestCase("5d", "Unknown duration unit 'd'")]
    [TestCase("abc", "is not a positive duration")]
    [TestCase("0s", "is not a positive duration")]
    [TestCase("-5s", "is not a positive duration")]
    [TestCase("0", "is not a positive duration")]
    [TestCase("00:00:00", "is not a positive duration")]
    [TestCase("-00:01:00", "is not a positive duration")]
    [TestCase("s", "is not a positive duration")]
    [TestCase("NaN", "is not a positive duration")]
    [TestCase("60 seconds", "is not a positive duration")]
    public void Parse_BadInput_ThrowsFormatExceptionNamingTheText(string text, string expected)
    {
        var exception = Assert.Throws<FormatException>(() => RunDuration.Parse(text));
        Assert.That(exception!.Message, Does.Contain(expected).And.Contain(text.Trim()));
    }

    [TestCase("1e300s")]
    [TestCase("1e400")]
    [TestCase("999999999h")]
    [TestCase("2000h")]
    [TestCase("50.00:00:00")]
    [TestCase("10675199.02:48:05")]
    [TestCase("0.0001s")]
    [TestCase("00:00:00.0001")]
    public void Parse_OutOfTimerRange_ThrowsFormatExceptionWithTheBounds(string text)
    {
        // Before: 1e300s and 999999999h escaped as the TimeSpan factory's ArgumentOutOfRangeException/OverflowException,
        // and 2000h or 0.0001s parsed but then stopped the running host (PeriodicTimer and Task.Delay reject them).
        var exception = Assert.Throws<FormatException>(() => RunDuration.Parse(text));
        Assert.That(exception!.Message, Does.Contain(text).And.Contain("between 1 ms and 49.7 days"));
    }

    [Test]
    public void Parse_Bounds_AreAccepted()
    {
        Assert.That(RunDuration.Parse("00:00:00.001"), Is.EqualTo(RunDuration.Min));
        Assert.That(RunDuration.Parse("49.17:02:47.294"), Is.EqualTo(RunDuration.Max));
        Assert.That(() => new PeriodicTimer(RunDuration.Max).Dispose(), Throws.Nothing, "Max is a period a timer accepts");
        Assert.That(() => new PeriodicTimer(RunDuration.Min).Dispose(), Throws.Nothing, "Min is a period a timer accepts");
    }
}
