using System.Runtime.Versioning;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using ResourceKit.Caching.Disk;
using ResourceKit.Caching.Tests.TestDoubles;

namespace ResourceKit.Caching.Tests.Disk;

public sealed class DiskCacheStoreTests
{
    private TemporaryDirectory _folder = null!;
    private FakeTimeProvider _time = null!;

    [SetUp]
    public void SetUp()
    {
        _folder = new TemporaryDirectory();
        _time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    }

    [TearDown]
    public void TearDown() => _folder.Dispose();

    [Test]
    public async Task SetAsync_ThenGetAsync_ReturnsTheBytes()
    {
        using var store = Create();

        await store.SetAsync("k", Bytes("hello"), _time.GetUtcNow().AddMinutes(5));

        Assert.That(Text(await store.GetAsync("k")), Is.EqualTo("hello"));
        Assert.That(await store.GetAsync("other"), Is.Null);
    }

    [Test]
    public async Task GetAsync_AfterExpiry_ReturnsNullAndDeletesTheFile()
    {
        using var store = Create();
        await store.SetAsync("k", Bytes("v"), _time.GetUtcNow().AddMinutes(5));

        _time.Advance(TimeSpan.FromMinutes(5));

        Assert.That(await store.GetAsync("k"), Is.Null);
        Assert.That(RecordFiles(store), Is.Empty);
    }

    [Test]
    public async Task NewInstance_OnSameFolder_ReadsPersistedValuesAndHonoursTheirExpiry()
    {
        using (var first = Create())
        {
            await first.SetAsync("short", Bytes("s"), _time.GetUtcNow().AddMinutes(1));
            await first.SetAsync("long", Bytes("l"), _time.GetUtcNow().AddHours(1));
        }

        _time.Advance(TimeSpan.FromMinutes(2));
        using var second = Create();

        Assert.That(Text(await second.GetAsync("long")), Is.EqualTo("l"));
        Assert.That(await second.GetAsync("short"), Is.Null);
        Assert.That(second.Statistics.Entries, Is.EqualTo(1));
    }

    [Test]
    public async Task GetAsync_TruncatedRecord_IsDroppedAndCounted()
    {
        using var store = Create();
        await store.SetAsync("k", Bytes(new string('x', 500)), _time.GetUtcNow().AddHours(1));
        var file = RecordFiles(store).Single();
        using (var stream = new FileStream(file, FileMode.Open))
        {
            stream.SetLength(stream.Length - 10);
        }

        Assert.That(await store.GetAsync("k"), Is.Null);
        Assert.That(store.Statistics.CorruptRecords, Is.EqualTo(1));
        Assert.That(File.Exists(file), Is.False);
        Assert.That(store.Statistics.Bytes, Is.Zero);
    }

    [Test]
    public async Task GetAsync_CorruptRecord_LogsAWarningWithoutTheKey()
    {
        var logger = new ListLogger<DiskCacheStore>();
        using var store = new DiskCacheStore(new DiskCacheStoreOptions { Directory = _folder.Path }, _time, logger);
        await store.SetAsync("secret-key", Bytes("value"), _time.GetUtcNow().AddHours(1));
        await File.WriteAllBytesAsync(RecordFiles(store).Single(), [0, 1, 2]);

        Assert.That(await store.GetAsync("secret-key"), Is.Null);

        var warning = logger.Entries.Single(e => e.Level == Microsoft.Extensions.Logging.LogLevel.Warning);
        Assert.That(warning.Message, Does.Contain("corrupt").And.Not.Contain("secret-key"));
    }

    [Test]
    public async Task GetAsync_BitFlippedRecord_IsDropped()
    {
        using var store = Create();
        await store.SetAsync("k", Bytes(new string('x', 500)), _time.GetUtcNow().AddHours(1));
        var file = RecordFiles(store).Single();
        var bytes = await File.ReadAllBytesAsync(file);
        bytes[bytes.Length / 2] ^= 0x10;
        await File.WriteAllBytesAsync(file, bytes);

        Assert.That(await store.GetAsync("k"), Is.Null);
        Assert.That(store.Statistics.CorruptRecords, Is.EqualTo(1));
    }

    [Test]
    public async Task Constructor_TruncatedHeaderLeftByCrash_IsDroppedAtStart()
    {
        string file;
        using (var store = Create())
        {
            await store.SetAsync("k", Bytes("value"), _time.GetUtcNow().AddHours(1));
            file = RecordFiles(store).Single();
        }

        await File.WriteAllBytesAsync(file, [1, 2, 3]);
        var leftover = Path.Combine(_folder.Path, "rkc-v1", "tmp", "crashed.tmp");
        await File.WriteAllBytesAsync(leftover, [1, 2, 3]);

        using var reopened = Create();

        Assert.That(reopened.Statistics.Entries, Is.Zero);
        Assert.That(reopened.Statistics.CorruptRecords, Is.EqualTo(1));
        Assert.That(File.Exists(leftover), Is.False);
    }

    [Test]
    public async Task SetAsync_TinyBudget_EvictsInsteadOfFailing()
    {
        using var store = Create(maximumSizeBytes: 8 * 1024);

        for (var i = 0; i < 40; i++)
        {
            await store.SetAsync($"key-{i}", new byte[1000], _time.GetUtcNow().AddHours(1));
        }

        var statistics = store.Statistics;
        Assert.That(statistics.Bytes, Is.LessThanOrEqualTo(8 * 1024));
        Assert.That(statistics.Evictions, Is.GreaterThan(0));
        Assert.That(await store.GetAsync("key-39"), Is.Not.Null);
        Assert.That(RecordFiles(store).Sum(f => SizeOnDisk(new FileInfo(f).Length)), Is.EqualTo(statistics.Bytes), "bytes count whole allocation units");
    }

    [Test]
    public async Task SetAsync_OverBudget_EvictsRecordsNeverReadBeforeReusedOnes()
    {
        using var store = Create(maximumSizeBytes: 8 * 1024);
        await store.SetAsync("reused", new byte[1000], _time.GetUtcNow().AddHours(1));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.That(await store.GetAsync("reused"), Is.Not.Null);

        for (var i = 0; i < 20; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            await store.SetAsync($"scan-{i}", new byte[1000], _time.GetUtcNow().AddHours(1));
        }

        Assert.That(await store.GetAsync("reused"), Is.Not.Null);
    }

    [Test]
    public async Task SetAsync_ValueLargerThanBudget_IsSkipped()
    {
        using var store = Create(maximumSizeBytes: 2048);

        await store.SetAsync("big", new byte[4096], _time.GetUtcNow().AddHours(1));

        Assert.That(await store.GetAsync("big"), Is.Null);
        Assert.That(store.Statistics.WriteFailures, Is.EqualTo(1));
    }

    [Test]
    public async Task SetAsync_FileNames_AreHashesNotKeys()
    {
        using var store = Create();

        await store.SetAsync("user:42:secret-preferences", Bytes("v"), _time.GetUtcNow().AddHours(1));

        var name = Path.GetFileNameWithoutExtension(RecordFiles(store).Single());
        Assert.That(name, Does.Match("^[0-9a-f]{32}$"));
    }

    [Test]
    [Platform(Exclude = "Win")]
    [UnsupportedOSPlatform("windows")]
    public async Task SetAsync_OnUnix_CreatesOwnerOnlyFilesAndFolders()
    {
        using var store = Create();
        await store.SetAsync("k", Bytes("v"), _time.GetUtcNow().AddHours(1));
        var file = RecordFiles(store).Single();

        Assert.That(File.GetUnixFileMode(file), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
        Assert.That(File.GetUnixFileMode(Path.GetDirectoryName(file)!), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute));
        Assert.That(File.GetUnixFileMode(store.RootDirectory), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute));
    }

    [Test]
    public void Constructor_FolderInUseByAnotherInstance_ThrowsFolderInUse()
    {
        using var first = Create();

        Assert.That(() => Create(), Throws.InstanceOf<DiskCacheFolderInUseException>().With.Message.Contains(first.RootDirectory));
    }

    [Test]
    public void DefaultDirectory_IsOneSafeFolderPerApplication()
    {
        var a = DiskCacheStoreOptions.DefaultDirectory("agent-a");
        var b = DiskCacheStoreOptions.DefaultDirectory("agent-b");
        var hostile = DiskCacheStoreOptions.DefaultDirectory("../../etc");
        var dots = DiskCacheStoreOptions.DefaultDirectory("..");

        Assert.That(a, Is.Not.EqualTo(b));
        Assert.That(a, Does.EndWith(Path.Combine("ResourceKit", "agent-a", "cache")));
        Assert.That(hostile, Does.EndWith(Path.Combine("ResourceKit", ".._.._etc", "cache")));
        Assert.That(dots, Does.EndWith(Path.Combine("ResourceKit", "_..", "cache")));
        Assert.That(new DiskCacheStoreOptions().ResolveDirectory(), Is.Not.EqualTo(Path.GetDirectoryName(Path.GetDirectoryName(a))), "a standalone store also gets a folder of its own");
    }

    [Test]
    public async Task RemoveExpired_OnCleanupTimer_DeletesExpiredRecords()
    {
        using var store = Create();
        await store.SetAsync("k", Bytes("v"), _time.GetUtcNow().AddMinutes(1));

        _time.Advance(DiskCacheStoreOptions.DefaultCleanupInterval);

        Assert.That(store.Statistics.Entries, Is.Zero);
        Assert.That(RecordFiles(store), Is.Empty);
    }

    [Test]
    public async Task RemoveAsync_DeletesTheRecord()
    {
        using var store = Create();
        await store.SetAsync("k", Bytes("v"), _time.GetUtcNow().AddMinutes(1));

        await store.RemoveAsync("k");

        Assert.That(await store.GetAsync("k"), Is.Null);
        Assert.That(store.Statistics.Bytes, Is.Zero);
    }

    [Test]
    public void Methods_EmptyKey_Throw()
    {
        using var store = Create();

        Assert.That(async () => await store.GetAsync(""), Throws.ArgumentException);
        Assert.That(async () => await store.SetAsync("", Bytes("v"), _time.GetUtcNow()), Throws.ArgumentException);
        Assert.That(async () => await store.RemoveAsync(null!), Throws.ArgumentNullException);
        Assert.That(() => new DiskCacheStore(new DiskCacheStoreOptions { Directory = _folder.Path, MaximumSizeBytes = 10 }), Throws.InstanceOf<ArgumentOutOfRangeException>());
    }

    [Test]
    public async Task SetAndGet_ManyThreads_KeepAccountingConsistentWithDisk()
    {
        using var store = Create(maximumSizeBytes: 64 * 1024);

        await Parallel.ForAsync(0, 400, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, ct) =>
        {
            var key = $"key-{i % 50}";
            await store.SetAsync(key, new byte[100 + (i % 7 * 100)], _time.GetUtcNow().AddHours(1), ct);
            _ = await store.GetAsync(key, ct);
        });

        var statistics = store.Statistics;
        Assert.That(statistics.Bytes, Is.LessThanOrEqualTo(64 * 1024));
        Assert.That(statistics.Entries, Is.EqualTo(RecordFiles(store).Length));
        Assert.That(Directory.GetFiles(Path.Combine(store.RootDirectory, "tmp")), Is.Empty);
    }

    [Test]
    public async Task SetAsync_TempFolderDeletedByACleaner_RecreatesItAndWrites()
    {
        using var store = Create();
        Directory.Delete(Path.Combine(store.RootDirectory, "tmp"), recursive: true);

        await store.SetAsync("k", Bytes("v"), _time.GetUtcNow().AddHours(1));

        Assert.That(Text(await store.GetAsync("k")), Is.EqualTo("v"));
        Assert.That(store.Statistics.WriteFailures, Is.Zero);
    }

    [Test]
    public async Task SetAsync_WholeRootDeleted_RecreatesItAndWrites()
    {
        using var store = Create();
        await store.SetAsync("old", Bytes("v"), _time.GetUtcNow().AddHours(1));
        foreach (var folder in Directory.GetDirectories(store.RootDirectory))
        {
            Directory.Delete(folder, recursive: true);
        }

        await store.SetAsync("k", Bytes("v"), _time.GetUtcNow().AddHours(1));

        Assert.That(Text(await store.GetAsync("k")), Is.EqualTo("v"));
        Assert.That(await store.GetAsync("old"), Is.Null, "its file is gone: a miss, and forgotten");
    }

    [Test]
    public async Task SetAsync_WriteFails_DropsTheRecordItWouldReplace()
    {
        using var store = Create();
        await store.SetAsync("k", Bytes("v1"), _time.GetUtcNow().AddHours(1));
        DiskFaults.BreakTempFolder(store);

        await store.SetAsync("k", Bytes("v2"), _time.GetUtcNow().AddHours(1));

        Assert.That(store.Statistics.WriteFailures, Is.EqualTo(1));
        Assert.That(await store.GetAsync("k"), Is.Null, "the older value must not answer in place of the one that failed to be written");
        Assert.That(RecordFiles(store), Is.Empty);
        Assert.That(store.Statistics.Bytes, Is.Zero);
    }

    [Test]
    public async Task SetAsync_WriteFails_NewInstanceDoesNotFindTheOlderRecord()
    {
        using (var store = Create())
        {
            await store.SetAsync("k", Bytes("v1"), _time.GetUtcNow().AddHours(1));
            DiskFaults.BreakTempFolder(store);
            await store.SetAsync("k", Bytes("v2"), _time.GetUtcNow().AddHours(1));
            File.Delete(Path.Combine(store.RootDirectory, "tmp"));
        }

        using var reopened = Create();

        Assert.That(await reopened.GetAsync("k"), Is.Null);
    }

    [Test]
    public async Task GetAsync_RecordUnreadable_MissesWithoutDeletingIt()
    {
        using var store = Create();
        await store.SetAsync("k", Bytes("v"), _time.GetUtcNow().AddHours(1));
        var file = RecordFiles(store).Single();
        var saved = Path.Combine(_folder.Path, "saved");
        File.Move(file, saved);
        Directory.CreateDirectory(file); // reading a directory fails with an I/O error, as EMFILE or EIO would

        Assert.That(await store.GetAsync("k"), Is.Null);
        Directory.Delete(file);
        File.Move(saved, file);

        Assert.That(Text(await store.GetAsync("k")), Is.EqualTo("v"), "a transient read error does not destroy the record");
    }

    [Test]
    public async Task Constructor_ForeignFilesAndFolders_AreIgnoredNotIndexedOrDeleted()
    {
        using (var first = Create())
        {
            await first.SetAsync("k", Bytes("v"), _time.GetUtcNow().AddHours(1));
        }

        var root = Path.Combine(_folder.Path, "rkc-v1");
        var foreign = Path.Combine(root, "ab", "notes.rkc");
        var misplaced = Path.Combine(root, "cd", "ab" + new string('0', 30) + ".rkc");
        Directory.CreateDirectory(Path.GetDirectoryName(foreign)!);
        Directory.CreateDirectory(Path.GetDirectoryName(misplaced)!);
        await File.WriteAllTextAsync(foreign, "not a record");
        await File.WriteAllTextAsync(misplaced, "not in its folder");

        using var store = Create();

        Assert.That(store.Statistics.Entries, Is.EqualTo(1));
        Assert.That(File.Exists(foreign) && File.Exists(misplaced), Is.True);
        Assert.That(Text(await store.GetAsync("k")), Is.EqualTo("v"));
    }

    [Test]
    public async Task Statistics_Bytes_CountWholeAllocationUnits()
    {
        using var store = new DiskCacheStore(new DiskCacheStoreOptions { Directory = _folder.Path, AllocationUnitBytes = 4096 }, _time);

        await store.SetAsync("a", Bytes("small"), _time.GetUtcNow().AddHours(1));
        await store.SetAsync("b", Bytes(new string('x', 5000)), _time.GetUtcNow().AddHours(1));

        Assert.That(store.Statistics.Bytes, Is.EqualTo(4096 + 8192));
    }

    [Test]
    public void Constructor_ExistingFolderOpenToOthers_IsMadeOwnerOnly()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Ignore("Unix permissions.");
            return;
        }

        var root = Path.Combine(_folder.Path, "rkc-v1");
        Directory.CreateDirectory(root);
        File.SetUnixFileMode(root, (UnixFileMode)0b111_111_111);

        using var store = Create();

        Assert.That(File.GetUnixFileMode(root), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute));
    }

    [Test]
    public void IsDiskFull_RecognisesNoSpaceAndQuotaErrors()
    {
        Assert.That(DiskCacheStore.IsDiskFull(new IOException("no space", 28)), Is.True);
        Assert.That(DiskCacheStore.IsDiskFull(new IOException("quota", 122)), Is.True);
        Assert.That(DiskCacheStore.IsDiskFull(new IOException("other", 5)), Is.False);
    }

    [Test]
    public async Task SetAndRemove_ManyThreadsOnFewKeys_IndexMatchesTheFilesOnDisk()
    {
        using var store = new DiskCacheStore(new DiskCacheStoreOptions { Directory = _folder.Path, AllocationUnitBytes = 1 }, _time);
        var expires = _time.GetUtcNow().AddHours(1);

        await Parallel.ForAsync(0, 4000, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, ct) =>
        {
            var key = "k" + (i % 8);
            if (i % 3 == 0)
            {
                await store.RemoveAsync(key, ct);
            }
            else
            {
                await store.SetAsync(key, Bytes(new string('x', 1 + (i % 50))), expires, ct);
            }
        });

        var files = RecordFiles(store);
        Assert.That(store.Statistics.Entries, Is.EqualTo(files.Length), "no entry without a file, no file without an entry");
        Assert.That(store.Statistics.Bytes, Is.EqualTo(files.Sum(f => new FileInfo(f).Length)), "indexed sizes are the sizes of the files that won");
    }

    private static long SizeOnDisk(long length) => (length + DiskCacheStoreOptions.DefaultAllocationUnitBytes - 1) / DiskCacheStoreOptions.DefaultAllocationUnitBytes * DiskCacheStoreOptions.DefaultAllocationUnitBytes;

    private DiskCacheStore Create(long maximumSizeBytes = DiskCacheStoreOptions.DefaultMaximumSizeBytes) =>
        new(new DiskCacheStoreOptions { Directory = _folder.Path, MaximumSizeBytes = maximumSizeBytes }, _time);

    private static string[] RecordFiles(DiskCacheStore store) => Directory.GetFiles(store.RootDirectory, "*.rkc", SearchOption.AllDirectories);

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    private static string? Text(byte[]? bytes) => bytes is null ? null : Encoding.UTF8.GetString(bytes);
}
