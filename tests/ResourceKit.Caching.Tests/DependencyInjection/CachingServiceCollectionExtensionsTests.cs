using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ResourceKit.Caching.Tests.DependencyInjection;

public sealed class CachingServiceCollectionExtensionsTests
{
    [Test]
    public void AddResourceKitCaching_WithConfigure_ResolvesCacheWithThoseOptions()
    {
        var services = new ServiceCollection().AddResourceKitCaching(o => o.Capacity = 123);
        using var provider = services.BuildServiceProvider();

        var cache = provider.GetRequiredService<TinyLfuCache<string, string>>();

        Assert.Multiple(() =>
        {
            Assert.That(cache.Capacity, Is.EqualTo(123));
            Assert.That(provider.GetRequiredService<TinyLfuCache<string, string>>(), Is.SameAs(cache));
        });
    }

    [Test]
    public void AddResourceKitCaching_FromConfiguration_BindsOptions()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Cache:Capacity"] = "500",
            ["Cache:ExpireAfterWrite"] = "00:05:00",
            ["Cache:MaximumWindowFraction"] = "0.5",
        }).Build();
        using var provider = new ServiceCollection().AddResourceKitCaching(configuration.GetSection("Cache")).BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<TinyLfuCacheOptions>>().Value;

        Assert.Multiple(() =>
        {
            Assert.That(options.Capacity, Is.EqualTo(500));
            Assert.That(options.ExpireAfterWrite, Is.EqualTo(TimeSpan.FromMinutes(5)));
            Assert.That(options.MaximumWindowFraction, Is.EqualTo(0.5));
        });
    }

    [Test]
    public void AddResourceKitCaching_InvalidOptions_FailsAtStartListingEveryError()
    {
        var services = new ServiceCollection().AddResourceKitCaching(o =>
        {
            o.Capacity = 0;
            o.MinimumWindowFraction = 0.5;
            o.MaximumWindowFraction = 0.1;
        });
        using var provider = services.BuildServiceProvider();
        var validator = provider.GetRequiredService<IStartupValidator>();

        var exception = Assert.Throws<OptionsValidationException>(validator.Validate);

        Assert.That(exception!.Failures.Count(), Is.EqualTo(2));
    }

    [Test]
    public void AddResourceKitCaching_CalledTwice_RegistersOnce()
    {
        var services = new ServiceCollection().AddResourceKitCaching().AddResourceKitCaching();

        Assert.Multiple(() =>
        {
            Assert.That(services.Count(d => d.ServiceType == typeof(TinyLfuCache<,>)), Is.EqualTo(1));
            Assert.That(services.Count(d => d.ServiceType == typeof(IValidateOptions<TinyLfuCacheOptions>)), Is.EqualTo(1));
        });
    }

    [Test]
    public void AddResourceKitCaching_NullArguments_Throw()
    {
        Assert.Multiple(() =>
        {
            Assert.Throws<ArgumentNullException>(() => ((IServiceCollection)null!).AddResourceKitCaching());
            Assert.Throws<ArgumentNullException>(() => new ServiceCollection().AddResourceKitCaching((IConfiguration)null!));
        });
    }
}
