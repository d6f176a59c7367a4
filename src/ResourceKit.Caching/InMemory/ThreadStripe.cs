using System.Runtime.CompilerServices;

namespace ResourceKit.Caching;

/// <summary>
/// A per-thread number that picks a thread's stripe in striped structures. Reading
/// <see cref="Environment.CurrentManagedThreadId"/> is a call the JIT does not inline, and on a cache hit that call cost
/// about as much as the dictionary lookup itself; a primitive thread-static in a non-generic class is read inline.
/// </summary>
internal static class ThreadStripe
{
    [ThreadStatic]
    private static int t_index;

    /// <summary>Gets this thread's stripe number: non-zero, fixed for the thread's lifetime.</summary>
    public static int Index
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get
        {
            var index = t_index;
            return index != 0 ? index : Initialize();
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int Initialize()
    {
        // Managed thread ids are small and sequential, so neighbouring threads land on neighbouring stripes.
        var index = Environment.CurrentManagedThreadId;
        t_index = index;
        return index;
    }
}
