using System.IO.Compression;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using ResourceKit.AgentHost.Logging;

namespace ResourceKit.AgentHost.Tests.Logging;

public sealed class RollingFileLoggerProviderTests
{
    private const UnixFileMode OwnerReadWrite = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode OwnerOnlyFolder = OwnerReadWrite | UnixFileMode.UserExecute;
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(10);
    private static readonly DateTimeOffset Start = new(2026, 11, 24, 1, 2, 3, TimeSpan.Zero);
    private string _root = null!;
    private string _folder = null!;
    private FakeTimeProvider _time = null!;

    [SetUp]
    public void SetUp()
    {
        _root = Directory.CreateTempSubdirectory("rk-agenthost-log-").FullName;
        _folder = Path.Combine(_root, "logs");
        _time = new FakeTimeProvider(Start);
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_root, recursive: true);

    [Test]
    public void Log_Line_IsWrittenWithTimeLevelCategoryAndMessage()
    {
        using (var provider = new RollingFileLoggerProvider(_folder, _time))
        {
            Write(provider.CreateLogger("Sample.Category"), LogLevel.Warning, "disk is slow");
        }

        Assert.That(File.ReadAllLines(Path.Combine(_folder, "agenthost.log")), Is.EqualTo(new[] { "2026-11-24T01:02:03.0000000+00:00 [Warning] Sample.Category: disk is slow" }));
    }

    [Test]
    public void Log_WithException_AppendsTheExceptionAfterTheLine()
    {
        var failure = new InvalidOperationException("the cache tier is gone");
        using (var provider = new RollingFileLoggerProvider(_folder, _time))
        {
            Write(provider.CreateLogger("C"), LogLevel.Error, "loop failed", failure);
        }

        var text = File.ReadAllText(Path.Combine(_folder, "agenthost.log"));
        Assert.That(text, Does.StartWith("2026-11-24T01:02:03.0000000+00:00 [Error] C: loop failed" + Environment.NewLine + failure));
    }

    [Test]
    public void Log_LevelNone_IsNotEnabledAndNotWritten()
    {
        using (var provider = new RollingFileLoggerProvider(_folder, _time))
        {
            var logger = provider.CreateLogger("C");
            Assert.That(logger.IsEnabled(LogLevel.None), Is.False);
            Assert.That(logger.IsEnabled(LogLevel.Trace), Is.True);
            Write(logger, LogLevel.None, "never");
        }

        Assert.That(File.ReadAllText(Path.Combine(_folder, "agenthost.log")), Is.Empty);
    }

    [Test]
    public void Dispose_WithLinesQueued_WritesEveryLineInOrder()
    {
        const int count = 5_000;
        RollingFileLoggerProvider provider;
        using (provider = new RollingFileLoggerProvider(_folder, _time))
        {
            var logger = provider.CreateLogger("C");
            for (var i = 0; i < count; i++)
            {
                Write(logger, LogLevel.Information, $"line {i}");
            }
        }

        var lines = File.ReadAllLines(Path.Combine(_folder, "agenthost.log"));
        Assert.That(lines.Select(Message), Is.EqualTo(Enumerable.Range(0, count).Select(i => $"line {i}")));
        Assert.That(provider.DroppedLines, Is.Zero);
    }

    [Test]
    public void DroppedSinceReport_LinesDroppedAfterAReport_CountsOnlyThose()
    {
        var provider = new RollingFileLoggerProvider(_folder, _time);
        var logger = provider.CreateLogger("C");
        provider.Dispose();
        Write(logger, LogLevel.Information, "dropped before the summary");

        var reported = provider.ReportDroppedLines();
        Write(logger, LogLevel.Information, "dropped after it");
        Write(logger, LogLevel.Information, "and this");

        Assert.Multiple(() =>
        {
            Assert.That(reported, Is.EqualTo(1));
            Assert.That(provider.DroppedLines, Is.EqualTo(3));
            Assert.That(provider.DroppedSinceReport, Is.EqualTo(2));
        });
    }

    [Test]
    public void Dispose_Twice_IsHarmlessAndLaterLinesAreCountedAsDropped()
    {
        var provider = new RollingFileLoggerProvider(_folder, _time);
        var logger = provider.CreateLogger("C");
        provider.Dispose();
        provider.Dispose();

        Write(logger, LogLevel.Information, "too late");

        Assert.That(provider.DroppedLines, Is.EqualTo(1));
        Assert.That(File.ReadAllText(Path.Combine(_folder, "agenthost.log")), Is.Empty);
    }

    [Test]
    public void Log_ManyThreadsOverflowingTheQueue_EveryLineIsWrittenWholeOrCountedAsDropped()
    {
        const int threads = 8;
        const int perThread = 4_000; // 32,000 lines against a 10,000-line queue: some may be dropped, none may be torn or lost uncounted.
        RollingFileLoggerProvider provider;
        using (provider = new RollingFileLoggerProvider(_folder, _time))
        {
            var logger = provider.CreateLogger("C");
            Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
            {
                for (var i = 0; i < perThread; i++)
                {
                    Write(logger, LogLevel.Information, $"t{t} n{i}");
                }
            });
        }

        var lines = File.ReadAllLines(Path.Combine(_folder, "agenthost.log"));
        Assert.That(lines.Length + provider.DroppedLines, Is.EqualTo(threads * perThread));
        Assert.That(lines, Has.All.Match(@"^\S+ \[Information\] C: t\d n\d+$"));
        Assert.That(lines.Distinct().Count(), Is.EqualTo(lines.Length));
    }

    [Test]
    public void Constructor_NewFolder_FolderAndFileAreReadableByTheOwnerOnly()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Ignore("Unix file modes only.");
            return;
        }

        using var provider = new RollingFileLoggerProvider(_folder, _time);

        Assert.That(File.GetUnixFileMode(_folder), Is.EqualTo(OwnerOnlyFolder));
        Assert.That(File.GetUnixFileMode(provider.CurrentPath), Is.EqualTo(OwnerReadWrite));
    }

    [Test]
    public void Constructor_BadArguments_Throw()
    {
        Assert.That(() => new RollingFileLoggerProvider(" ", _time), Throws.ArgumentException);
        Assert.That(() => new RollingFileLoggerProvider(_folder, _time, maxArchives: 0), Throws.InstanceOf<ArgumentOutOfRangeException>());
    }

    [Test]
    public async Task RotateAsync_EmptyLog_ReturnsNullAndWritesNoArchive()
    {
        using var provider = new RollingFileLoggerProvider(_folder, _time);

        Assert.That(await provider.RotateAsync(), Is.Null);
        Assert.That(Directory.GetFiles(_folder), Is.EqualTo(new[] { provider.CurrentPath }));
    }

    [Test]
    public async Task RotateAsync_LogWithLines_ArchivesItAsOwnerOnlyGzipAndStartsAFreshFile()
    {
        WriteAndClose("from the last run");
        var original = File.ReadAllBytes(Path.Combine(_folder, "agenthost.log"));

        LogRotation? rotation;
        using (var provider = new RollingFileLoggerProvider(_folder, _time))
        {
            rotation = await provider.RotateAsync();
            Write(provider.CreateLogger("C"), LogLevel.Information, "after the rotation");
        }

        Assert.That(rotation, Is.Not.Null);
        Assert.That(rotation!.ArchivePath, Is.EqualTo(Path.Combine(_folder, "agenthost-20261124-010203-000.log.gz")));
        Assert.That(rotation.OriginalBytes, Is.EqualTo(original.Length));
        Assert.That(rotation.ArchiveBytes, Is.EqualTo(new FileInfo(rotation.ArchivePath).Length));
        Assert.That(rotation.ArchivesPruned, Is.Zero);
        Assert.That(Decompress(rotation.ArchivePath), Is.EqualTo(original));
        Assert.That(File.ReadAllLines(Path.Combine(_folder, "agenthost.log")).Select(Message), Is.EqualTo(new[] { "after the rotation" }));
        Assert.That(Directory.GetFiles(_folder, "*.log"), Has.Length.EqualTo(1), "the uncompressed copy is deleted");
        if (!OperatingSystem.IsWindows())
        {
            Assert.That(File.GetUnixFileMode(rotation.ArchivePath), Is.EqualTo(OwnerReadWrite));
        }
    }

    [Test]
    public async Task RotateAsync_MoreArchivesThanKept_PrunesTheOldest()
    {
        WriteAndClose("run 0");
        var rotations = new List<LogRotation?>();
        for (var run = 1; run <= 4; run++)
        {
            using var provider = new RollingFileLoggerProvider(_folder, _time, maxArchives: 2);
            rotations.Add(await provider.RotateAsync());
            Write(provider.CreateLogger("C"), LogLevel.Information, $"run {run}");
            _time.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.That(rotations.Select(r => r!.ArchivesPruned), Is.EqualTo(new[] { 0, 0, 1, 1 }));
        var kept = Directory.GetFiles(_folder, "*.gz").Select(Path.GetFileName).Order(StringComparer.Ordinal);
        Assert.That(kept, Is.EqualTo(new[] { "agenthost-20261124-010205-000.log.gz", "agenthost-20261124-010206-000.log.gz" }));
        Assert.That(Message(System.Text.Encoding.UTF8.GetString(Decompress(Path.Combine(_folder, "agenthost-20261124-010206-000.log.gz"))).TrimEnd()), Is.EqualTo("run 3"));
    }

    [Test]
    public async Task RotateAsync_MoveFails_ThrowsAndKeepsWritingToTheSameFile()
    {
        WriteAndClose("before");

        // The archive name is taken by a folder with content: the move onto it fails.
        var blocked = Path.Combine(_folder, "agenthost-20261124-010203-000.log");
        Directory.CreateDirectory(blocked);
        await File.WriteAllTextAsync(Path.Combine(blocked, "keep"), "x");
        RollingFileLoggerProvider provider;
        using (provider = new RollingFileLoggerProvider(_folder, _time))
        {
            Assert.That(() => provider.RotateAsync(), Throws.InstanceOf<IOException>());
            Write(provider.CreateLogger("C"), LogLevel.Information, "after the failed rotation");
        }

        Assert.That(File.ReadAllLines(provider.CurrentPath).Select(Message), Is.EqualTo(new[] { "before", "after the failed rotation" }));
        Assert.That(provider.DroppedLines, Is.Zero);
    }

    [Test]
    public async Task RotateAsync_CompressionFailsForLackOfSpace_KeepsTheRotatedLogAndCompressesItAtTheNextRotation()
    {
        if (OperatingSystem.IsWindows() || !File.Exists("/dev/full"))
        {
            Assert.Ignore("Needs /dev/full to fail writes with ENOSPC.");
        }

        // Before: the rotated log stayed uncompressed for good, outside the retention count, and a partial archive was left.
        WriteAndClose("first hour");
        var original = File.ReadAllBytes(Path.Combine(_folder, "agenthost.log"));
        var firstArchive = Path.Combine(_folder, "agenthost-20261124-010203-000.log.gz");
        File.CreateSymbolicLink(firstArchive, "/dev/full"); // the archive's writes fail as on a full disk
        using var provider = new RollingFileLoggerProvider(_folder, _time);

        Assert.That(() => provider.RotateAsync(), Throws.InstanceOf<IOException>());
        Assert.That(File.Exists(Path.Combine(_folder, "agenthost-20261124-010203-000.log")), Is.True, "the rotated log is kept");
        Assert.That(Directory.GetFileSystemEntries(_folder, "*.gz"), Is.Empty, "no partial archive is left");

        Write(provider.CreateLogger("C"), LogLevel.Information, "second hour");
        WaitUntilWritten(provider);
        _time.Advance(TimeSpan.FromHours(1));
        var rotation = await provider.RotateAsync();

        Assert.That(rotation!.LeftUncompressed, Is.Zero);
        Assert.That(Decompress(firstArchive), Is.EqualTo(original));
        Assert.That(Message(System.Text.Encoding.UTF8.GetString(Decompress(rotation.ArchivePath)).TrimEnd()), Is.EqualTo("second hour"));
        Assert.That(Directory.GetFiles(_folder, "*.log"), Is.EqualTo(new[] { provider.CurrentPath }), "no rotated log is left uncompressed");
    }

    [Test]
    public async Task RotateAsync_EmptyLogAfterAFailedCompression_StillCompressesTheLeftover()
    {
        WriteAndClose("first hour");
        var blocked = Path.Combine(_folder, "agenthost-20261124-010203-000.log.gz");
        Directory.CreateDirectory(blocked); // the archive name is taken: this compression fails
        using var provider = new RollingFileLoggerProvider(_folder, _time);
        Assert.That(() => provider.RotateAsync(), Throws.InstanceOf<UnauthorizedAccessException>().Or.InstanceOf<IOException>());
        Directory.Delete(blocked);

        Assert.That(await provider.RotateAsync(), Is.Null, "nothing new was logged");

        Assert.That(Message(System.Text.Encoding.UTF8.GetString(Decompress(blocked)).TrimEnd()), Is.EqualTo("first hour"));
        Assert.That(Directory.GetFiles(_folder, "*.log"), Is.EqualTo(new[] { provider.CurrentPath }));
    }

    [Test]
    public async Task RotateAsync_LeftoverThatKeepsFailingToCompress_IsPrunedWithTheOldestArchives()
    {
        WriteAndClose("run 0");

        // The first archive's name is taken by a folder, so that rotated log can never be compressed.
        var blocked = Path.Combine(_folder, "agenthost-20261124-010203-000.log.gz");
        Directory.CreateDirectory(blocked);
        using var provider = new RollingFileLoggerProvider(_folder, _time, maxArchives: 2);
        var logger = provider.CreateLogger("C");
        Assert.That(() => provider.RotateAsync(), Throws.InstanceOf<UnauthorizedAccessException>().Or.InstanceOf<IOException>());

        var rotations = new List<LogRotation>();
        for (var run = 1; run <= 2; run++)
        {
            Write(logger, LogLevel.Information, $"run {run}");
            WaitUntilWritten(provider);
            _time.Advance(TimeSpan.FromHours(1));
            rotations.Add((await provider.RotateAsync())!);
        }

        Assert.That(rotations.Select(r => (r.LeftUncompressed, r.ArchivesPruned)), Is.EqualTo(new[] { (1, 0), (0, 1) }));
        Assert.That(File.Exists(Path.Combine(_folder, "agenthost-20261124-010203-000.log")), Is.False, "the leftover is pruned as the oldest rotation");
        Assert.That(
            Directory.GetFiles(_folder).Select(Path.GetFileName).Order(StringComparer.Ordinal),
            Is.EqualTo(new[] { "agenthost-20261124-020203-000.log.gz", "agenthost-20261124-030203-000.log.gz", "agenthost.log" }));
    }

    [Test]
    public void Log_AfterTheFolderIsDeleted_RecreatesItOwnerOnlyAndWritesLaterLines()
    {
        // On Unix, writes to a deleted file succeed: before the fix every later line went into the unlinked file.
        RollingFileLoggerProvider provider;
        using (provider = new RollingFileLoggerProvider(_folder, _time))
        {
            Directory.Delete(_folder, recursive: true);
            Write(provider.CreateLogger("C"), LogLevel.Information, "after the delete");
        }

        Assert.That(File.ReadAllLines(Path.Combine(_folder, "agenthost.log")).Select(Message), Is.EqualTo(new[] { "after the delete" }));
        Assert.That(provider.DroppedLines, Is.Zero);
        if (!OperatingSystem.IsWindows())
        {
            Assert.That(File.GetUnixFileMode(_folder), Is.EqualTo(OwnerOnlyFolder));
            Assert.That(File.GetUnixFileMode(provider.CurrentPath), Is.EqualTo(OwnerReadWrite));
        }
    }

    [Test]
    public void Log_AfterTheFileIsDeleted_WritesLaterLinesToANewFile()
    {
        using (var provider = new RollingFileLoggerProvider(_folder, _time))
        {
            File.Delete(provider.CurrentPath);
            Write(provider.CreateLogger("C"), LogLevel.Information, "after the delete");
        }

        Assert.That(File.ReadAllLines(Path.Combine(_folder, "agenthost.log")).Select(Message), Is.EqualTo(new[] { "after the delete" }));
    }

    [Test]
    public void Log_WriteFailsForLackOfSpace_DropsThatBatchAndWritesLaterLinesOnceTheDiskIsBack()
    {
        if (OperatingSystem.IsWindows() || !File.Exists("/dev/full"))
        {
            Assert.Ignore("Needs /dev/full to fail writes with ENOSPC.");
        }

        // The log path points at /dev/full: every write fails as on a full disk.
        Directory.CreateDirectory(_folder);
        var path = Path.Combine(_folder, "agenthost.log");
        File.CreateSymbolicLink(path, "/dev/full");
        RollingFileLoggerProvider provider;
        using (provider = new RollingFileLoggerProvider(_folder, _time))
        {
            var logger = provider.CreateLogger("C");
            Write(logger, LogLevel.Information, "lost");
            Assert.That(SpinWait.SpinUntil(() => provider.DroppedLines == 1, Guard), Is.True, "the failed batch is counted");

            // Space again: the path is a regular file from now on.
            File.Delete(path);
            Write(logger, LogLevel.Information, "kept");
        }

        Assert.That(File.ResolveLinkTarget(path, returnFinalTarget: false), Is.Null);
        Assert.That(File.ReadAllLines(path).Select(Message), Is.EqualTo(new[] { "kept" }));
        Assert.That(provider.DroppedLines, Is.EqualTo(1));
    }

    private static void Write(ILogger logger, LogLevel level, string message, Exception? exception = null) =>
        logger.Log(level, new EventId(1), message, exception, (state, _) => state);

    /// <summary>Waits for the writer task to write the queued lines: a rotation takes only what is in the file.</summary>
    private static void WaitUntilWritten(RollingFileLoggerProvider provider) =>
        Assert.That(SpinWait.SpinUntil(() => new FileInfo(provider.CurrentPath).Length > 0, Guard), Is.True);

    private static string Message(string line) => line[(line.IndexOf(": ", StringComparison.Ordinal) + 2)..];

    private static byte[] Decompress(string archive)
    {
        using var gzip = new GZipStream(File.OpenRead(archive), CompressionMode.Decompress);
        using var copy = new MemoryStream();
        gzip.CopyTo(copy);
        return copy.ToArray();
    }

    private void WriteAndClose(string message)
    {
        using var provider = new RollingFileLoggerProvider(_folder, _time);
        Write(provider.CreateLogger("C"), LogLevel.Information, message);
    }
}
