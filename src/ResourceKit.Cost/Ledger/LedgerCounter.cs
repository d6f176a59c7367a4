namespace ResourceKit.Cost.Ledger;

/// <summary>One running total in a store: a period (such as <c>d:2026-11-23</c>) crossed with a scope (such as <c>agent:planner</c>).</summary>
/// <param name="Period">The period key.</param>
/// <param name="Scope">The scope key: <c>global</c>, <c>category:x</c>, <c>model:x</c> or <c>agent:x</c>.</param>
/// <param name="RetainUntil">When the store may forget the counter.</param>
public readonly record struct LedgerCounter(string Period, string Scope, DateTimeOffset RetainUntil);
