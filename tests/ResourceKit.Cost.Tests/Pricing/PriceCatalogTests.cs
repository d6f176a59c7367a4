using ResourceKit.Cost.Pricing;

namespace ResourceKit.Cost.Tests.Pricing;

public class PriceCatalogTests
{
    [Test]
    public void GetPrice_UnknownModelWithoutFallback_FailsClosed()
    {
        var catalog = new PriceCatalog(PriceCatalog.CreateSeedPrices());

        Assert.That(
            () => catalog.GetPrice("openai", "gpt-unknown"),
            Throws.TypeOf<UnknownModelPriceException>().With.Message.Contains("gpt-unknown"));
    }

    [Test]
    public void GetPrice_UnknownModelWithFallback_ReturnsFallback()
    {
        var fallback = new ModelPrice { InputPerMillion = 100m, OutputPerMillion = 200m };
        var catalog = new PriceCatalog([], fallback);

        Assert.That(catalog.GetPrice("x", "y").OutputPerMillion, Is.EqualTo(200m));
    }

    [Test]
    public void GetPrice_SeedPrices_AreInCatalog()
    {
        var catalog = new PriceCatalog(PriceCatalog.CreateSeedPrices());

        Assert.Multiple(() =>
        {
            Assert.That(catalog.GetPrice("OpenAI", "GPT-4o").InputPerMillion, Is.EqualTo(15m));
            Assert.That(catalog.GetPrice("openai", "gpt-4o").CachedInputPerMillion, Is.EqualTo(7.5m));
            Assert.That(catalog.GetPrice(null, "claude-4-opus").OutputPerMillion, Is.EqualTo(15m));
            Assert.That(catalog.GetPrice("qwen", "qwen-turbo").InputPerMillion, Is.EqualTo(0.5m));
        });
    }

    [Test]
    public void TryGetPrice_WithoutProviderAndAmbiguousModel_ReturnsFalse()
    {
        var catalog = new PriceCatalog(
        [
            new ModelPrice { Provider = "a", Model = "m", InputPerMillion = 1m, OutputPerMillion = 1m },
            new ModelPrice { Provider = "b", Model = "m", InputPerMillion = 2m, OutputPerMillion = 2m },
        ]);

        Assert.That(catalog.TryGetPrice(null, "m", out _), Is.False);
        Assert.That(catalog.TryGetPrice("b", "m", out var price) && price.InputPerMillion == 2m, Is.True);
    }

    [Test]
    public void ReplaceFromJson_NewPrices_ReplaceOldOnesAtRunTime()
    {
        var catalog = new PriceCatalog(PriceCatalog.CreateSeedPrices());

        catalog.ReplaceFromJson("""[ { "provider": "openai", "model": "gpt-4o", "inputPerMillion": 2.5, "outputPerMillion": 10, "convention": "IncludedInInput" } ]""");

        Assert.That(catalog.GetPrice("openai", "gpt-4o").InputPerMillion, Is.EqualTo(2.5m));
        Assert.That(catalog.TryGetPrice("anthropic", "claude-4-opus", out _), Is.False);
    }

    [Test]
    public void ReplaceFromJson_InvalidPrices_ThrowsListingEveryError()
    {
        var catalog = new PriceCatalog([]);

        Assert.That(
            () => catalog.ReplaceFromJson("""[ { "provider": "", "model": "m", "inputPerMillion": -1 } ]"""),
            Throws.ArgumentException.With.Message.Contains("Provider is required").And.Message.Contains("InputPerMillion must not be negative"));
        Assert.That(() => catalog.ReplaceFromJson("not json"), Throws.ArgumentException);
    }

    [Test]
    public void Constructor_NegativePrice_Throws()
    {
        Assert.That(
            () => new PriceCatalog([new ModelPrice { Provider = "p", Model = "m", OutputPerMillion = -5m }]),
            Throws.ArgumentException.With.Message.Contains("OutputPerMillion"));
    }
}
