using System.Collections;

namespace ResourceKit.Cost.Ledger;

/// <summary>
/// A counter list that never changes after it is built, as a spend plan hands to its store. Because no one can
/// change it, a <see cref="SpendBook"/> keeps the resolved balances on the list itself and trusts them without
/// comparing the counters again.
/// </summary>
/// <param name="counters">The counters; the list takes ownership of the array.</param>
internal sealed class LedgerCounterList(LedgerCounter[] counters) : IReadOnlyList<LedgerCounter>
{
    public int Count => counters.Length;

    /// <summary>Gets or sets the balances a book resolved for this list (written and read under the book's lock).</summary>
    public SpendBook.Resolution? Resolved { get; set; }

    public LedgerCounter this[int index] => counters[index];

    public IEnumerator<LedgerCounter> GetEnumerator() => ((IEnumerable<LedgerCounter>)counters).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
