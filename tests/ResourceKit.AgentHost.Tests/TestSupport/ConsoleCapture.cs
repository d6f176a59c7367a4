using System.Text;
using System.Threading.Channels;

namespace ResourceKit.AgentHost.Tests.TestSupport;

/// <summary>Redirects <see cref="Console.Out"/> while alive and hands out what is written, line by line.</summary>
internal sealed class ConsoleCapture : IDisposable
{
    private readonly TextWriter _previous = Console.Out;
    private readonly LineWriter _writer = new();

    public ConsoleCapture() => Console.SetOut(_writer);

    public ChannelReader<string> Lines => _writer.Lines.Reader;

    /// <summary>Takes every complete line written so far.</summary>
    public IReadOnlyList<string> TakeWritten()
    {
        var lines = new List<string>();
        while (Lines.TryRead(out var line))
        {
            lines.Add(line);
        }

        return lines;
    }

    public void Dispose() => Console.SetOut(_previous);

    private sealed class LineWriter : TextWriter
    {
        private readonly StringBuilder _line = new();

        public Channel<string> Lines { get; } = Channel.CreateUnbounded<string>();

        public override Encoding Encoding => Encoding.UTF8;

        public override void Write(char value)
        {
            lock (_line)
            {
                if (value == '\n')
                {
                    Lines.Writer.TryWrite(_line.ToString().TrimEnd('\r'));
                    _line.Clear();
                }
                else
                {
                    _line.Append(value);
                }
            }
        }
    }
}
