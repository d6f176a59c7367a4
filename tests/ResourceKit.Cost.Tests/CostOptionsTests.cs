using ResourceKit.Cost.Budgets;
using ResourceKit.Cost.Pricing;

namespace ResourceKit.Cost.Tests;

public class CostOptionsTests
{
    [Test]
    public void Validate_Defaults_AreValid() => Assert.That(new CostOptions().Validate(), Is.Empty);

    [Test]
    public void Validate_ManyProblems_ListsEveryOne()
    {
        var options = new CostOptions
        {
            TimeZoneId = "Nowhere/Nothing",
            Rules = [new BudgetRule { Name = "", Limit = -1m, SoftThresholds = [1.5] }],
            Prices = [new ModelPrice { Provider = "p", Model = "", InputPerMillion = -2m }],
            ReservationTimeToLive = TimeSpan.Zero,
            CharactersPerToken = 0,
            Store = ResourceKit.Cost.Ledger.SpendStoreKind.Redis,
        };

        var errors = options.Validate();

        Assert.That(errors, Has.Count.GreaterThanOrEqualTo(7));
        Assert.That(() => options.ThrowIfInvalid(), Throws.ArgumentException.With.Message.Contains("Rules[0].Limit"));
    }

    [Test]
    public void Validate_RedisStoreWithSweepRarerThanMaxExpirySweepInterval_IsRejected()
    {
        var options = new CostOptions
        {
            Store = ResourceKit.Cost.Ledger.SpendStoreKind.Redis,
            RedisConfiguration = "redis:6379",
            ExpirySweepInterval = ResourceKit.Cost.Ledger.RedisSpendStore.MaxExpirySweepInterval + TimeSpan.FromMilliseconds(1),
        };

        Assert.That(options.Validate(), Has.One.Contains("ExpirySweepInterval must be at most 00:15:00 with the Redis store"));
        options.ExpirySweepInterval = ResourceKit.Cost.Ledger.RedisSpendStore.MaxExpirySweepInterval;
        Assert.That(options.Validate(), Is.Empty);
        options.Store = ResourceKit.Cost.Ledger.SpendStoreKind.File;
        options.ExpirySweepInterval = TimeSpan.FromDays(2);
        Assert.That(options.Validate(), Is.Empty, "only the Redis store keeps spend for the sweep to write");
    }

    [Test]
    public void Validate_RuleNamedAsTheHealthChecksUnsavedSpendKey_IsRejected()
    {
        var options = new CostOptions { Rules = [new BudgetRule { Name = "unsavedSpend", Limit = 1m }] };
        using var ledger = new SpendLedger(new CostOptions(), new ResourceKit.Cost.Ledger.MemorySpendStore());

        // The health data holds each rule under its name, next to the unsaved spend under this key.
        Assert.That(options.Validate(), Has.One.Contains("Rules[0].Name 'unsavedSpend' is reserved"));
        Assert.That(() => ledger.ReplaceRules(options.Rules), Throws.ArgumentException.With.Message.Contains("is reserved"));
        Assert.That(ResourceKit.Cost.Diagnostics.CostBudgetHealthCheck.UnsavedSpendKey, Is.EqualTo("unsavedSpend"));
    }

    [TestCase("UnsavedSpend")]
    [TestCase("UNSAVEDSPEND")]
    public void Validate_RuleNamedAsTheUnsavedSpendKeyInAnotherCase_IsAccepted(string name)
    {
        // The health data's keys are compared ordinally, so such a rule keeps an entry of its own (and existing
        // configurations that use the name keep starting).
        var options = new CostOptions { Rules = [new BudgetRule { Name = name, Limit = 1m }] };
        using var ledger = new SpendLedger(new CostOptions(), new ResourceKit.Cost.Ledger.MemorySpendStore());

        Assert.That(options.Validate(), Is.Empty);
        Assert.That(() => ledger.ReplaceRules(options.Rules), Throws.Nothing);
    }

    [TestCase(0)]
    [TestCase(-1)]
    public void Validate_RedisMaxUnsavedEntriesNotPositive_IsRejected(int entries)
    {
        var options = new CostOptions { RedisMaxUnsavedEntries = entries };

        Assert.That(options.Validate(), Has.One.EqualTo($"RedisMaxUnsavedEntries must be greater than zero (was {entries})."));
        Assert.That(new CostOptions().RedisMaxUnsavedEntries, Is.EqualTo(ResourceKit.Cost.Ledger.RedisSpendStore.DefaultMaxUnsavedEntries));
    }

    [Test]
    public void Validate_ReservationTimeToLiveOverMaximum_IsRejected()
    {
        var options = new CostOptions { ReservationTimeToLive = CostOptions.MaxReservationTimeToLive + TimeSpan.FromMilliseconds(1) };

        Assert.That(options.Validate(), Has.One.Contains("ReservationTimeToLive").And.Contains("1.00:00:00"));
        Assert.That(() => new SpendLedger(options, new ResourceKit.Cost.Ledger.MemorySpendStore()), Throws.ArgumentException);
    }

    [Test]
    public void Validate_ReservationTimeToLiveAtMaximum_IsValid()
    {
        var options = new CostOptions { ReservationTimeToLive = CostOptions.MaxReservationTimeToLive };

        Assert.That(options.Validate(), Is.Empty);
    }

    [Test]
    public void Validate_SameProviderAndModelListedTwiceInAnotherCase_IsRejected()
    {
        var options = new CostOptions
        {
            RateLimits =
            [
                new() { Provider = "openai", Model = "*", RequestsPerMinute = 60 },
                new() { Provider = "OpenAI ", Model = "*", RequestsPerMinute = 30 },
                new() { Provider = "openai", Model = "gpt-4o", RequestsPerMinute = 10 },
            ],
        };

        Assert.That(options.Validate(), Has.One.Contains("RateLimits").And.Contains("openai/*").And.Contains("2 times"));
        Assert.That(
            () => new ResourceKit.Cost.RateLimiting.ModelRateLimiter(options.RateLimits, TimeSpan.FromSeconds(1)),
            Throws.ArgumentException.With.Message.Contains("listed 2 times"));
    }

    [TestCase(nameof(CostOptions.ExpirySweepInterval))]
    [TestCase(nameof(CostOptions.ThrottleInterval))]
    [TestCase(nameof(CostOptions.MaxRetryAfter))]
    public void Validate_IntervalLongerThanATimerAccepts_IsRejected(string name)
    {
        var options = new CostOptions();
        typeof(CostOptions).GetProperty(name)!.SetValue(options, TimeSpan.FromDays(60));

        Assert.That(options.Validate(), Has.One.Contains(name).And.Contains("at most"));
        Assert.That(() => new SpendLedger(options, new ResourceKit.Cost.Ledger.MemorySpendStore()), Throws.ArgumentException.With.Message.Contains(name));
    }

    [Test]
    public void Validate_IntervalsAtTheTimerMaximum_AreValid()
    {
        var options = new CostOptions
        {
            ExpirySweepInterval = CostOptions.MaxTimerInterval,
            ThrottleInterval = CostOptions.MaxTimerInterval,
            MaxRetryAfter = CostOptions.MaxTimerInterval,
        };

        Assert.That(options.Validate(), Is.Empty);
        using var ledger = new SpendLedger(options, new ResourceKit.Cost.Ledger.MemorySpendStore());
    }

    [Test]
    public void EffectiveRules_ConfiguredRules_ReplaceDefaults()
    {
        var options = new CostOptions { Rules = [new BudgetRule { Name = "only", Limit = 1m }] };

        Assert.That(options.EffectiveRules().Select(r => r.Name), Is.EqualTo(new[] { "only" }));
        Assert.That(new CostOptions().EffectiveSoftThresholds(), Is.EqualTo(new[] { 0.8, 0.9 }));
    }
}
