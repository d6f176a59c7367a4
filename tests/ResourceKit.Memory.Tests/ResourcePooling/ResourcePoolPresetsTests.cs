using ResourceKit.Memory.ResourcePooling;

namespace ResourceKit.Memory.Tests.ResourcePooling;

public sealed class ResourcePoolPresetsTests
{
    private static IEnumerable<TestCaseData> Presets()
    {
        yield return new TestCaseData(ResourcePoolPresets.Http(), 2, 5, 5, 60).SetName("Http_MatchesSeedMatrix");
        yield return new TestCaseData(ResourcePoolPresets.Database(), 3, 10, 10, 120).SetName("Database_MatchesSeedMatrix");
        yield return new TestCaseData(ResourcePoolPresets.Browser(), 1, 3, 2, 30).SetName("Browser_MatchesSeedMatrix");
        yield return new TestCaseData(ResourcePoolPresets.TextToSpeech(), 1, 2, 5, 60).SetName("TextToSpeech_MatchesSeedMatrix");
        yield return new TestCaseData(ResourcePoolPresets.VectorDatabase(), 2, 5, 10, 120).SetName("VectorDatabase_MatchesSeedMatrix");
    }

    [TestCaseSource(nameof(Presets))]
    public void Preset_Values_MatchSeedMatrix(ResourcePoolOptions options, int min, int max, int idleMinutes, int lifetimeMinutes)
    {
        Assert.Multiple(() =>
        {
            Assert.That(options.MinSize, Is.EqualTo(min));
            Assert.That(options.MaxSize, Is.EqualTo(max));
            Assert.That(options.MaxIdleTime, Is.EqualTo(TimeSpan.FromMinutes(idleMinutes)));
            Assert.That(options.MaxLifetime, Is.EqualTo(TimeSpan.FromMinutes(lifetimeMinutes)));
            Assert.That(options.Validate(), Is.Empty);
        });
    }

    [Test]
    public void Http_EachCall_ReturnsFreshInstance()
    {
        var first = ResourcePoolPresets.Http();
        first.MaxSize = 50;

        Assert.That(ResourcePoolPresets.Http().MaxSize, Is.EqualTo(5));
    }
}
