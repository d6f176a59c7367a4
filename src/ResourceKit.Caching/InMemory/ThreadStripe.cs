using System.Runtime.CompilerServices;

namespace ResourceKit.Caching;

/// <summary>
/// Picks the calling thread's stripe in striped structures from the address of its stack, which no other live thread
/// shares. Every cheaper-looking alternative costs more on a cache hit: <see cref="Environment.CurrentManagedThreadId"/>
/// is a call the JIT does not inline, and a <see cref="ThreadStaticAttribute"/> field is a call into the runtime's
/// thread-local storage on Linux; either was about a quarter of a whole integer-keyed hit. A stack address is one
/// instruction.
/// </summary>
/// <remarks>
/// No two live threads share a stack address, but they may share an index (the stripe count is small), and a thread
/// calling from different depths may land on different stripes. Striped users then lose a little speed or, since
/// their producers use plain stores and increments, a record or a few counts that race; never correctness. Thread
/// stacks are typically 1.5–8 MiB apart, so the index is the stack's MiB folded with its 8 MiB multiple:
/// neighbouring stacks then fall on different low bits whatever that spacing is.
/// </remarks>
internal static class ThreadStripe
{
    /// <summary>Gets a number that differs between threads running at the same time (mostly; see the remarks).</summary>
    public static int Index
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get
        {
            // Only the marker's address is used, so it is never initialized (that would be a store on every hit).
            Unsafe.SkipInit(out byte marker);
            var megabyte = (int)((ulong)Unsafe.ByteOffset(ref Unsafe.NullRef<byte>(), ref marker) >> 20);
            return megabyte ^ (megabyte >> 3);
        }
    }
}
