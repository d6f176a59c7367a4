using ResourceKit.Cost.Ledger;

namespace ResourceKit.Cost.Tests.Ledger;

public partial class FileSpendStoreTests
{
    private static readonly DateTimeOffset Retain = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly LedgerCounter[] Counters = [new("d:2026-11-23", "global", Retain), new("d:2026-11-23", "agent:a", Retain)];

    private string _directory = null!;
    private string _path = null!;

    [SetUp]
    public void SetUp()
    {
        _directory = Path.Combine(Path.GetTempPath(), "rk-cost-" + Guid.NewGuid().ToString("N"));
        _path = Path.Combine(_directory, "ledger.json");
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_directory, recursive: true);

    [Test]
    public async Task RecordAsync_NewInstanceOnSameFile_SeesCommittedSpend()
    {
        using (var store = new FileSpendStore(_path))
        {
            await store.RecordAsync(Counters, 1.5m);
            var reservation = new LedgerReservation("r1", 2m, Retain, Counters);
            await store.TryReserveAsync(reservation, [], DateTimeOffset.UnixEpoch);
            await store.SettleAsync(reservation, 0.25m);
        }

        using var reopened = new FileSpendStore(_path);
        var balances = await reopened.GetBalancesAsync("d:2026-11-23");

        Assert.That(balances.Single(b => b.Scope == "global").Committed, Is.EqualTo(1.75m));
        Assert.That(balances.Single(b => b.Scope == "agent:a").Reserved, Is.Zero);
    }

    [Test]
    public async Task ExtendAsync_HoldExpiredButNotYetSwept_IsRefused()
    {
        using var store = new FileSpendStore(_path);
        var now = new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);
        var reservation = new LedgerReservation("r1", 2m, now.AddMinutes(5), Counters);
        await store.TryReserveAsync(reservation, [], now);

        Assert.That(await store.ExtendAsync(reservation, now.AddMinutes(9), now.AddMinutes(4)), Is.True, "still held");
        Assert.That(await store.ExtendAsync(reservation, now.AddMinutes(20), now.AddMinutes(9)), Is.False, "expired at its new expiry");
        Assert.That(await store.ExpireAsync(now.AddMinutes(9)), Is.EqualTo(1), "its expiry was not moved again");
    }

    [Test]
    public async Task Constructor_AfterCrashWithoutDispose_ReplaysJournalUpToTornLine()
    {
        // What a crash leaves: flushed journal entries and a final line cut off mid-write.
        Directory.CreateDirectory(_directory);
        const string Entry = """{"q":1,"a":3,"c":[{"p":"d:2026-11-23","s":"global","r":"2030-01-01T00:00:00+00:00"}]}""";
        File.WriteAllText(_path + ".journal", Entry + "\n" + Entry.Replace("\"q\":1", "\"q\":2", StringComparison.Ordinal).Replace("\"a\":3", "\"a\":4", StringComparison.Ordinal) + "\n{\"q\":3,\"a\":");

        using var recovered = new FileSpendStore(_path);

        var balances = await recovered.GetBalancesAsync("d:2026-11-23");
        Assert.That(balances.Single(b => b.Scope == "global").Committed, Is.EqualTo(7m));
        Assert.That(new FileInfo(_path + ".journal").Length, Is.Zero, "recovery folds the journal into the snapshot");
    }

    [Test]
    public async Task Constructor_JournalAlreadyInSnapshot_IsNotCountedTwice()
    {
        using (var store = new FileSpendStore(_path, compactionThreshold: 2))
        {
            await store.RecordAsync(Counters, 1m);
            await store.RecordAsync(Counters, 1m);
            await store.RecordAsync(Counters, 1m);
        }

        // A crash between the snapshot rename and the journal truncation leaves folded entries behind.
        File.WriteAllText(_path + ".journal", """{"q":1,"a":1,"c":[{"p":"d:2026-11-23","s":"global","r":"2030-01-01T00:00:00+00:00","a":0}]}""" + "\n");

        using var reopened = new FileSpendStore(_path);
        Assert.That((await reopened.GetBalancesAsync("d:2026-11-23")).Single(b => b.Scope == "global").Committed, Is.EqualTo(3m));
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task Compaction_DueOnAWrite_SnapshotIncludesThatWrite(bool settle)
    {
        // Compaction empties the journal, so the snapshot it writes must already hold the entry that triggered it;
        // otherwise a crash before the next compaction loses that entry.
        var store = new FileSpendStore(_path, compactionThreshold: 2);
        try
        {
            await store.RecordAsync(Counters, 1m);
            if (settle)
            {
                var reservation = new LedgerReservation("r1", 20m, Retain, Counters);
                await store.TryReserveAsync(reservation, [], DateTimeOffset.UnixEpoch);
                await store.SettleAsync(reservation, 10m);
            }
            else
            {
                await store.RecordAsync(Counters, 10m);
            }

            // What a crash right now leaves on disk: the snapshot, and a journal emptied by the compaction.
            var crashed = Path.Combine(_directory, "crashed", "ledger.json");
            Directory.CreateDirectory(Path.GetDirectoryName(crashed)!);
            File.Copy(_path, crashed);
            using var recovered = new FileSpendStore(crashed);

            var balances = await recovered.GetBalancesAsync("d:2026-11-23");
            Assert.That(balances.Single(b => b.Scope == "global").Committed, Is.EqualTo(11m));
        }
        finally
        {
            store.Dispose();
        }
    }

    [Test]
    public async Task Constructor_CompactionRefusedByTheDisk_StillOpensAndKeepsEverySpend()
    {
        using (var store = new FileSpendStore(_path, compactionThreshold: 1_000))
        {
            await store.RecordAsync(Counters, 1.5m);
        }

        // A directory where the snapshot's temporary file goes makes every compaction fail, as a full disk would.
        Directory.CreateDirectory(_path + ".tmp");
        using (var degraded = new FileSpendStore(_path, compactionThreshold: 1_000))
        {
            await degraded.RecordAsync(Counters, 0.5m);
            Assert.That((await degraded.GetBalancesAsync("d:2026-11-23")).Single(b => b.Scope == "global").Committed, Is.EqualTo(2m));
        }

        Directory.Delete(_path + ".tmp");
        using var recovered = new FileSpendStore(_path);
        Assert.That((await recovered.GetBalancesAsync("d:2026-11-23")).Single(b => b.Scope == "global").Committed, Is.EqualTo(2m));
    }

    [Test]
    public void Constructor_CreatesOwnerOnlyFiles()
    {
        using var store = new FileSpendStore(_path);

        if (OperatingSystem.IsWindows())
        {
            Assert.Ignore("Unix file modes do not apply on Windows.");
        }
        else
        {
            Assert.That(File.GetUnixFileMode(_path), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
            Assert.That(File.GetUnixFileMode(_path + ".journal"), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
        }
    }

    [Test]
    public void Constructor_SecondOpenOfSameStore_Throws()
    {
        using var store = new FileSpendStore(_path);

        Assert.That(() => new FileSpendStore(_path), Throws.InstanceOf<IOException>());
    }

    [Test]
    public async Task ExpireAsync_OldPeriods_AreForgotten()
    {
        using var store = new FileSpendStore(_path);
        await store.RecordAsync([new LedgerCounter("h:old", "global", DateTimeOffset.UnixEpoch)], 1m);

        await store.ExpireAsync(DateTimeOffset.UnixEpoch.AddDays(1));

        Assert.That(await store.GetBalancesAsync("h:old"), Is.Empty);
    }
}
