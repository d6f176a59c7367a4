using ResourceKit.Memory.Pressure;

namespace ResourceKit.Memory.Tests.Fakes;

/// <summary>A memory source whose reading the test sets.</summary>
internal sealed class FakeMemorySource : IMemorySource
{
    public const long Limit = 1_000_000;

    public long UsedBytes { get; set; }

    public Exception? Failure { get; set; }

    public int Reads { get; private set; }

    public void SetRatio(double ratio) => UsedBytes = (long)(ratio * Limit);

    public MemoryReading Read()
    {
        Reads++;
        return Failure is null ? new MemoryReading(UsedBytes, Limit) : throw Failure;
    }
}
