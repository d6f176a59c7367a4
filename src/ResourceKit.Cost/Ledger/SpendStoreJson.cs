using System.Text.Json.Serialization;

namespace ResourceKit.Cost.Ledger;

/// <summary>One committed amount in the journal.</summary>
internal sealed record JournalEntry(
    [property: JsonPropertyName("q")] long Sequence,
    [property: JsonPropertyName("a")] decimal Amount,
    [property: JsonPropertyName("c")] List<CounterRecord> Counters);

/// <summary>A counter as written to the journal (amount unused) or the snapshot (amount is the committed total).</summary>
internal sealed record CounterRecord(
    [property: JsonPropertyName("p")] string Period,
    [property: JsonPropertyName("s")] string Scope,
    [property: JsonPropertyName("r")] DateTimeOffset RetainUntil,
    [property: JsonPropertyName("a")] decimal Amount = 0)
{
    public static CounterRecord From(LedgerCounter counter) => new(counter.Period, counter.Scope, counter.RetainUntil);

    public LedgerCounter ToCounter() => new(Period, Scope, RetainUntil);
}

/// <summary>The snapshot file: every committed total and the last journal sequence it contains.</summary>
internal sealed record SnapshotFile(
    [property: JsonPropertyName("sequence")] long Sequence,
    [property: JsonPropertyName("counters")] List<CounterRecord> Counters);

[JsonSerializable(typeof(JournalEntry))]
[JsonSerializable(typeof(SnapshotFile))]
internal sealed partial class SpendStoreJson : JsonSerializerContext;
