using ResourceKit.Memory.Reclamation;

namespace ResourceKit.Memory.Tests.Fakes;

/// <summary>A reclaimer that records the fractions it was asked for into a shared call log.</summary>
internal sealed class RecordingReclaimer(string name, int priority, List<string> callLog, long bytesPerTrim = 100) : IMemoryReclaimer
{
    public string Name { get; } = name;

    public int Priority { get; } = priority;

    public List<double> Fractions { get; } = [];

    public Exception? Failure { get; set; }

    public long Trim(double fraction)
    {
        callLog.Add(Name);
        Fractions.Add(fraction);
        return Failure is null ? bytesPerTrim : throw Failure;
    }
}
