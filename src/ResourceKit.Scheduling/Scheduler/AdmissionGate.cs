namespace ResourceKit.Scheduling;

/// <summary>
/// Counts submissions between their admission check and the end of their enqueue, so a stop can wait for every
/// submission that passed the check before it stopped accepting: then nothing is enqueued behind its back, and an
/// item reported accepted is one the stop sees (and dispatches, or cancels once its grace period is over).
/// </summary>
/// <remarks>
/// Each thread counts on its own stripe (its own cache line), in and out on the same one, so no stripe ever goes
/// negative and submitters on different cores do not contend. A submitter increments, then reads the accepting
/// flag; a stop clears the flag, then reads the stripes; both with full fences, so either the submitter sees the
/// flag cleared or the stop sees its count.
/// </remarks>
internal sealed class AdmissionGate
{
    private const int Stride = 16; // 16 ints = 64 bytes: one stripe per cache line.
    private readonly int[] _cells;
    private readonly int _mask;

    public AdmissionGate()
    {
        int stripes = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(1, Environment.ProcessorCount * 2));
        _mask = stripes - 1;
        _cells = new int[stripes * Stride];
    }

    /// <summary>Enters the admission window; pass the result to <see cref="Exit"/>.</summary>
    /// <returns>The stripe counted on.</returns>
    public int Enter()
    {
        int cell = (Environment.CurrentManagedThreadId & _mask) * Stride;
        Interlocked.Increment(ref _cells[cell]);
        return cell;
    }

    public void Exit(int cell) => Interlocked.Decrement(ref _cells[cell]);

    /// <summary>Waits until no submission is inside the window; call after clearing the accepting flag. Windows are a few instructions long.</summary>
    public void WaitUntilEmpty()
    {
        Interlocked.MemoryBarrier();
        for (int cell = 0; cell < _cells.Length; cell += Stride)
        {
            var spin = default(SpinWait);
            while (Volatile.Read(ref _cells[cell]) != 0)
            {
                spin.SpinOnce();
            }
        }
    }
}
