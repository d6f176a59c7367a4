using Microsoft.Extensions.Time.Testing;
using ResourceKit.Memory.ResourcePooling;

namespace ResourceKit.Memory.Tests.ResourcePooling;

/// <summary>Acquire timeouts a timer cannot take must fail at the boundary and never leave a waiter behind.</summary>
public sealed class ResourcePoolAcquireTimeoutTests
{
    private FakeTimeProvider _time = null!;
    private int _created;

    [SetUp]
    public void SetUp()
    {
        _time = new FakeTimeProvider();
        _created = 0;
    }

    [Test]
    public async Task AcquireAsync_TimeoutBeyondOneDayWhilePoolFull_ThrowsAndLeavesNoWaiter()
    {
        using var pool = CreatePool(_time);
        var held = await pool.AcquireAsync();

        Assert.That(
            () => pool.AcquireAsync(TimeSpan.FromDays(60)),
            Throws.TypeOf<ArgumentOutOfRangeException>().With.Property(nameof(ArgumentOutOfRangeException.ParamName)).EqualTo("timeout"));
        held.Dispose();

        Assert.Multiple(() =>
        {
            Assert.That(pool.Statistics.Idle, Is.EqualTo(1), "the returned resource went back to the pool, not to a phantom waiter");
            Assert.That(pool.Statistics.Waiting, Is.Zero);
            Assert.That(pool.QueuedWaiters, Is.Zero);
        });
    }

    [Test]
    public async Task AcquireAsync_OneDayOrInfinite_Accepted()
    {
        using var pool = CreatePool(_time);

        (await pool.AcquireAsync(TimeSpan.FromDays(1))).Dispose();
        (await pool.AcquireAsync(Timeout.InfiniteTimeSpan)).Dispose();

        Assert.That(pool.Statistics.Acquired, Is.EqualTo(2));
    }

    [Test]
    public async Task AcquireAsync_WaitCannotBeSetUp_ThrowsAndLeavesNoWaiter()
    {
        var time = new TimerFailingTimeProvider();
        using var pool = CreatePool(time);
        var held = await pool.AcquireAsync();
        time.FailTimers = true;

        Assert.That(async () => await pool.AcquireAsync(TimeSpan.FromSeconds(5)), Throws.InvalidOperationException.With.Message.EqualTo("no timer"));
        time.FailTimers = false;
        held.Dispose();

        Assert.Multiple(() =>
        {
            Assert.That(pool.Statistics.Idle, Is.EqualTo(1), "the returned resource went back to the pool, not to a phantom waiter");
            Assert.That(pool.QueuedWaiters, Is.Zero);
        });
    }

    [Test]
    public void Validate_AcquireTimeoutOfSixtyDays_Rejected()
    {
        var options = new ResourcePoolOptions { AcquireTimeout = TimeSpan.FromDays(60) };

        Assert.That(options.Validate(), Has.One.Contains("AcquireTimeout"));
    }

    [Test]
    public void Validate_AcquireTimeoutZeroOneDayOrInfinite_Accepted()
    {
        Assert.Multiple(() =>
        {
            Assert.That(new ResourcePoolOptions { AcquireTimeout = TimeSpan.Zero }.Validate(), Is.Empty);
            Assert.That(new ResourcePoolOptions { AcquireTimeout = TimeSpan.FromDays(1) }.Validate(), Is.Empty);
            Assert.That(new ResourcePoolOptions { AcquireTimeout = Timeout.InfiniteTimeSpan }.Validate(), Is.Empty);
        });
    }

    private ResourcePool<ResourcePoolTests.Connection> CreatePool(TimeProvider time) =>
        new(
            new ResourcePoolOptions { MinSize = 0, MaxSize = 1 },
            _ => ValueTask.FromResult(new ResourcePoolTests.Connection(_created++)),
            timeProvider: time);

    /// <summary>A clock whose timers can be made to fail, as a timer given a period it cannot take does.</summary>
    private sealed class TimerFailingTimeProvider : FakeTimeProvider
    {
        public bool FailTimers { get; set; }

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
            FailTimers ? throw new InvalidOperationException("no timer") : base.CreateTimer(callback, state, dueTime, period);
    }
}
