using ResourceKit.Memory.Reclamation;

namespace ResourceKit.Memory.Tests.Reclamation;

[NonParallelizable] // changes the process-wide GCHeapHardLimit setting for the duration of a test
public sealed class RuntimeGarbageCollectorTests
{
    private const string HeapHardLimitKey = "GCHeapHardLimit";

    [Test]
    public void RefreshHeapHardLimit_BelowCommittedMemory_ThrowsAndKeepsPreviousSetting()
    {
        var collector = new RuntimeGarbageCollector();
        var before = AppContext.GetData(HeapHardLimitKey);
        var committed = GC.GetGCMemoryInfo().TotalCommittedBytes;
        Assume.That(committed, Is.GreaterThan(1024 * 1024), "the test host has more than 1 MB committed");
        try
        {
            Assert.That(() => collector.RefreshHeapHardLimit(1024 * 1024), Throws.InvalidOperationException);
            Assert.That(AppContext.GetData(HeapHardLimitKey), Is.EqualTo(before));
        }
        finally
        {
            if (!Equals(AppContext.GetData(HeapHardLimitKey), before))
            {
                AppContext.SetData(HeapHardLimitKey, before);
                GC.RefreshMemoryLimit();
            }
        }
    }
}
