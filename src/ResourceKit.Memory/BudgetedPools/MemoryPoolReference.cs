namespace ResourceKit.Memory.BudgetedPools;

/// <summary>How a <see cref="BudgetedMemoryPool"/> holds an entry's value.</summary>
public enum MemoryPoolReference
{
    /// <summary>The pool keeps the value alive until it is removed or evicted.</summary>
    Strong = 0,

    /// <summary>The pool holds a weak reference: once nothing else uses the value the GC may collect it and its bytes are released.</summary>
    Weak = 1,
}
