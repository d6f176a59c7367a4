namespace ResourceKit.Cost.Tests.Ledger;

/// <summary>
/// Opens the store's files on a disk the test can fill: writes then fail as with no space left. It can also fail
/// the next flushes, and every truncation (<see cref="FileStream.SetLength"/>).
/// </summary>
internal sealed class FailingDisk
{
    public bool IsFull { get; set; }

    /// <summary>Gets or sets how many of the next flushes fail, after the bytes were written.</summary>
    public int FlushFailures { get; set; }

    /// <summary>Gets or sets a value indicating whether truncating or emptying a file fails.</summary>
    public bool RefusesTruncation { get; set; }

    public FileStream Open(string path, FileStreamOptions options) => new DiskFile(this, path, options);

    private sealed class DiskFile(FailingDisk disk, string path, FileStreamOptions options) : FileStream(path, options)
    {
        public override void Write(ReadOnlySpan<byte> buffer)
        {
            ThrowIfFull();
            base.Write(buffer);
        }

        public override void Write(byte[] buffer, int offset, int count)
        {
            ThrowIfFull();
            base.Write(buffer, offset, count);
        }

        public override void WriteByte(byte value)
        {
            ThrowIfFull();
            base.WriteByte(value);
        }

        public override void Flush(bool flushToDisk)
        {
            if (disk.FlushFailures > 0)
            {
                disk.FlushFailures--;
                throw new IOException("Input/output error.");
            }

            base.Flush(flushToDisk);
        }

        public override void SetLength(long value)
        {
            if (disk.RefusesTruncation)
            {
                throw new IOException("Input/output error.");
            }

            base.SetLength(value);
        }

        private void ThrowIfFull()
        {
            if (disk.IsFull)
            {
                throw new IOException("No space left on device.");
            }
        }
    }
}
