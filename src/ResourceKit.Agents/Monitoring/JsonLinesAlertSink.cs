using System.Text.Json;
using System.Text.Json.Serialization;

namespace ResourceKit.Agents.Monitoring;

/// <summary>
/// Appends each alert as one JSON object per line to a file readable by the owner only, so alerts survive the
/// process and tools such as <c>jq</c> can read them.
/// </summary>
/// <remarks>
/// The file is opened for each alert and closed before <see cref="PublishAsync"/> returns, so a published line is
/// already in the file and no handle is held between alerts; <see cref="Dispose"/> only releases the write gate.
/// </remarks>
public sealed class JsonLinesAlertSink : IAlertSink, IDisposable
{
    private readonly string _path;
    private readonly SemaphoreSlim _writeGate = new(1, 1);

    /// <summary>Initializes a new instance of the <see cref="JsonLinesAlertSink"/> class.</summary>
    /// <param name="path">The file to append to; its folder is created when missing.</param>
    public JsonLinesAlertSink(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        _path = System.IO.Path.GetFullPath(path);
    }

    /// <summary>Gets the full path of the file.</summary>
    public string FilePath => _path;

    /// <inheritdoc />
    public async ValueTask PublishAsync(Alert alert, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(alert);
        var line = JsonSerializer.SerializeToUtf8Bytes(alert, AlertJsonContext.Default.Alert);
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var folder = System.IO.Path.GetDirectoryName(_path)!;
            if (!Directory.Exists(folder))
            {
                CreateOwnerOnlyDirectory(folder);
            }

            var options = new FileStreamOptions { Mode = FileMode.Append, Access = FileAccess.Write, Share = FileShare.Read };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            var stream = new FileStream(_path, options);
            await using (stream.ConfigureAwait(false))
            {
                await stream.WriteAsync(line, cancellationToken).ConfigureAwait(false);
                stream.WriteByte((byte)'\n');
            }
        }
        finally
        {
            _writeGate.Release();
        }
    }

    /// <inheritdoc />
    public void Dispose() => _writeGate.Dispose();

    private static void CreateOwnerOnlyDirectory(string folder)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(folder);
        }
        else
        {
            Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }
}

/// <summary>Source-generated serialization of alerts: no reflection, no type names.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, UseStringEnumConverter = true)]
[JsonSerializable(typeof(Alert))]
internal sealed partial class AlertJsonContext : JsonSerializerContext;
