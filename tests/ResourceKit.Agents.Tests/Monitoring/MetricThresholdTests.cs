using ResourceKit.Agents.Monitoring;

namespace ResourceKit.Agents.Tests.Monitoring;

public sealed class MetricThresholdTests
{
    [TestCase(50, null)]
    [TestCase(70, AlertLevel.Warning)]
    [TestCase(84.9, AlertLevel.Warning)]
    [TestCase(85, AlertLevel.Critical)]
    [TestCase(95, AlertLevel.Emergency)]
    [TestCase(120, AlertLevel.Emergency)]
    public void Classify_HigherIsWorse_UsesSeedBands(double value, AlertLevel? expected)
    {
        Assert.That(MetricThreshold.Above(70, 85, 95).Classify(value), Is.EqualTo(expected));
    }

    [TestCase(0.9, null)]
    [TestCase(0.6, AlertLevel.Warning)]
    [TestCase(0.45, AlertLevel.Critical)]
    [TestCase(0.1, AlertLevel.Emergency)]
    public void Classify_LowerIsWorse_Descends(double value, AlertLevel? expected)
    {
        Assert.That(MetricThreshold.Below(0.6, 0.5, 0.4).Classify(value), Is.EqualTo(expected));
    }

    [Test]
    public void Score_FallsInTheBandOfTheLevel()
    {
        var cpu = MetricThreshold.Above(70, 85, 95);

        Assert.Multiple(() =>
        {
            Assert.That(cpu.Score(0), Is.EqualTo(100));
            Assert.That(cpu.Score(40), Is.EqualTo(100), "far below the warning threshold is ideal");
            Assert.That(cpu.Score(60), Is.InRange(70, 100));
            Assert.That(cpu.Score(80), Is.InRange(50, 69));
            Assert.That(cpu.Score(90), Is.InRange(30, 49));
            Assert.That(cpu.Score(99), Is.InRange(0, 29));
            Assert.That(cpu.Score(1000), Is.Zero);
        });
    }

    [Test]
    public void Score_IsMonotonicInBadness()
    {
        var hit = MetricThreshold.Below(0.6, 0.5, 0.4);
        var previous = double.MaxValue;
        for (var v = 1.0; v >= 0; v -= 0.01)
        {
            var score = hit.Score(v);
            Assert.That(score, Is.LessThanOrEqualTo(previous), $"score rose at {v}");
            previous = score;
        }

        Assert.That(hit.Score(0.85), Is.EqualTo(100));
    }
}
