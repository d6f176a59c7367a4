using ResourceKit.Cost.Ledger;

namespace ResourceKit.Cost.Tests.Ledger;

/// <content>Damaged journals and snapshots: nothing valid is dropped, the host still starts, the evidence is kept.</content>
public partial class FileSpendStoreTests
{
    private static string JournalLine(int sequence, decimal amount) =>
        $$"""{"q":{{sequence}},"a":{{amount}},"c":[{"p":"d:2026-11-23","s":"global","r":"2030-01-01T00:00:00+00:00"}]}""";

    [Test]
    public async Task Constructor_BadLineInTheMiddle_SkipsOnlyThatLineAndKeepsTheJournalAside()
    {
        Directory.CreateDirectory(_directory);
        var journal = JournalLine(1, 3m) + "\n{\"q\":2,\"a\":{\"q\":3\n" + JournalLine(3, 4m) + "\n" + "{\"q\":99}\n" + JournalLine(4, 5m) + "\n";
        File.WriteAllText(_path + ".journal", journal);

        using var recovered = new FileSpendStore(_path);

        Assert.That(await Committed(recovered), Is.EqualTo(12m), "entries after the bad lines are kept");
        Assert.That(File.ReadAllText(_path + ".journal.corrupt"), Is.EqualTo(journal), "the damaged journal is kept as evidence");
    }

    [Test]
    public async Task Constructor_LastLineCompleteButUnterminated_CountsItAndTheNextAppendStartsOnANewLine()
    {
        Directory.CreateDirectory(_directory);
        File.WriteAllText(_path + ".journal", "garbage\n" + JournalLine(1, 3m));
        Directory.CreateDirectory(_path + ".tmp");
        using (var store = new FileSpendStore(_path))
        {
            Assert.That(await Committed(store), Is.EqualTo(3m));
            await store.RecordAsync(Counters, 1m);
        }

        Directory.Delete(_path + ".tmp");
        using var reopened = new FileSpendStore(_path);
        Assert.That(await Committed(reopened), Is.EqualTo(4m));
        Assert.That(File.Exists(_path + ".journal.corrupt"), Is.True);
    }

    [Test]
    public async Task RecordAsync_AfterTornTailWhileCompactionIsRefused_IsNotGluedToTheTornLine()
    {
        Directory.CreateDirectory(_directory);
        File.WriteAllText(_path + ".journal", JournalLine(1, 3m) + "\n{\"q\":2,\"a\":");

        // A directory where the snapshot's temporary file goes makes every compaction fail, so the journal stays.
        Directory.CreateDirectory(_path + ".tmp");
        using (var store = new FileSpendStore(_path))
        {
            await store.RecordAsync(Counters, 1m);
            await store.RecordAsync(Counters, 2m);
        }

        Directory.Delete(_path + ".tmp");
        using var reopened = new FileSpendStore(_path);
        Assert.That(await Committed(reopened), Is.EqualTo(6m), "the appends after the torn line survive a restart");
    }

    [Test]
    public async Task Constructor_CorruptSnapshot_StartsDegradedWithTheJournalAndMovesTheSnapshotAside()
    {
        Directory.CreateDirectory(_directory);
        File.WriteAllText(_path, "{\"sequence\":1,\"counters\":[{\"p\":");
        File.WriteAllText(_path + ".journal", JournalLine(2, 3m) + "\n");

        using var store = new FileSpendStore(_path);

        Assert.That(store.IsDegraded, Is.True);
        Assert.That(await Committed(store), Is.EqualTo(3m), "the journal still counts");
        Assert.That(File.ReadAllText(_path + ".corrupt"), Does.StartWith("{\"sequence\":1"), "the bad snapshot is kept as evidence");
        await store.RecordAsync(Counters, 1m);
        Assert.That(await Committed(store), Is.EqualTo(4m));
    }

    [TestCase("{\"sequence\":5}")]
    [TestCase("null")]
    [TestCase("{\"sequence\":5,\"counters\":[null]}")]
    public void Constructor_SnapshotWithMissingParts_StartsDegradedInsteadOfThrowing(string snapshot)
    {
        Directory.CreateDirectory(_directory);
        File.WriteAllText(_path, snapshot);

        using var store = new FileSpendStore(_path);

        Assert.That(store.IsDegraded, Is.True);
        Assert.That(File.Exists(_path + ".corrupt"), Is.True);
    }

    [Test]
    public void Constructor_HealthyFiles_IsNotDegraded()
    {
        using var store = new FileSpendStore(_path);

        Assert.That(store.IsDegraded, Is.False);
    }

    private static async Task<decimal> Committed(FileSpendStore store) =>
        (await store.GetBalancesAsync("d:2026-11-23")).Single(b => b.Scope == "global").Committed;
}
