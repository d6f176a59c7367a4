namespace ResourceKit.Caching.Tests.Tiered;

public sealed class TieredCacheOptionsValidatorTests
{
    [TestCase("acme:eu", "default")]
    [TestCase("acme", "eu:x")]
    public void Validate_SeparatorInApplicationOrTenant_Fails(string application, string tenant)
    {
        var result = new TieredCacheOptionsValidator().Validate(null, new TieredCacheOptions { ApplicationName = application, TenantId = tenant });

        Assert.That(result.Failed, Is.True);
        Assert.That(result.FailureMessage, Does.Contain("must not contain ':'"));
    }

    [Test]
    public void Validate_Defaults_Succeed() =>
        Assert.That(new TieredCacheOptionsValidator().Validate(null, new TieredCacheOptions()).Succeeded, Is.True);

    [TestCase("localhost:6379,ssl=maybe")]
    [TestCase("localhost:6379,connectTimeout=soon")]
    [TestCase("password=s3cret-value,ssl=maybe")]
    [TestCase("password=s3cret-value")]
    public void Validate_RedisConfigurationThatDoesNotParseOrNamesNoServer_FailsWithoutThePassword(string configuration)
    {
        var options = new TieredCacheOptions();
        options.Redis.Configuration = configuration;

        var result = new TieredCacheOptionsValidator().Validate(null, options);

        Assert.That(result.Failed, Is.True);
        Assert.That(result.FailureMessage, Does.Contain("Redis").And.Not.Contain("s3cret-value"));
    }

    [Test]
    public void Validate_RedisParserMessageQuotingThePassword_IsNotEchoed()
    {
        var options = new TieredCacheOptions();
        options.Redis.Configuration = "localhost:6379,password=hunter2,connectTimeout=hunter2";

        var result = new TieredCacheOptionsValidator().Validate(null, options);

        Assert.That(result.Failed, Is.True);
        Assert.That(result.FailureMessage, Does.Contain("Redis").And.Not.Contain("hunter2"));
    }

    [Test]
    public void Validate_PasswordWithACommaSplitByTheParser_IsNotEchoed()
    {
        var options = new TieredCacheOptions();
        options.Redis.Configuration = "localhost:6379,password=abc,secretpart=xyz";

        var result = new TieredCacheOptionsValidator().Validate(null, options);

        Assert.That(result.Failed, Is.True);
        Assert.That(result.FailureMessage, Does.Not.Contain("secretpart").And.Not.Contain("xyz"));
    }

    [Test]
    public void Connect_ConfigurationThatDoesNotParse_ThrowsWithoutThePassword() =>
        Assert.That(
            () => ResourceKit.Caching.Redis.RedisConnectionFactory.Connect(new ResourceKit.Caching.Redis.RedisTierOptions { Configuration = "localhost:6379,password=s3cret-value,ssl=maybe" }),
            Throws.ArgumentException.With.Message.Contains("not a valid").And.Message.Not.Contain("s3cret-value"));

    [Test]
    public void Validate_ValidRedisConfiguration_Succeeds()
    {
        var options = new TieredCacheOptions();
        options.Redis.Configuration = "localhost:6379,password=s3cret,abortConnect=false";

        Assert.That(new TieredCacheOptionsValidator().Validate(null, options).Succeeded, Is.True);
    }
}
