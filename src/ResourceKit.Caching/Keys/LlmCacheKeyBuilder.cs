using System.Buffers;
using System.IO.Hashing;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace ResourceKit.Caching.Keys;

/// <summary>
/// Turns a chat request (model, messages and options such as temperature and tools) into a fixed-size digest that
/// does not depend on JSON property order or insignificant whitespace, for use as a response-cache key.
/// </summary>
/// <remarks>
/// The request is serialized with the Microsoft.Extensions.AI JSON contracts, put in canonical form (sorted
/// properties, no whitespace, numbers by exact value) and hashed with SHA-256 by default. Per-message <c>createdAt</c> and <c>messageId</c> are
/// left out, because they change on every call without changing the question. The scope (tenant, user) is hashed in,
/// so equal requests from different scopes never share a key.
/// </remarks>
public sealed class LlmCacheKeyBuilder
{
    // 2: numbers written by their exact value rather than rounded through double.
    private const int FormatVersion = 2;
    private static readonly HashSet<string> VolatileMessageProperties = new(StringComparer.Ordinal) { "createdAt", "messageId" };
    private readonly LlmCacheKeyAlgorithm _algorithm;
    private readonly JsonSerializerOptions _jsonOptions;

    /// <summary>Creates a key builder.</summary>
    /// <param name="algorithm">The digest; SHA-256 unless every request comes from a trusted party (see <see cref="LlmCacheKeyAlgorithm.XxHash128"/>).</param>
    /// <param name="jsonOptions">The contracts for messages and options; <see cref="AIJsonUtilities.DefaultOptions"/> when <see langword="null"/>.</param>
    public LlmCacheKeyBuilder(LlmCacheKeyAlgorithm algorithm = LlmCacheKeyAlgorithm.Sha256, JsonSerializerOptions? jsonOptions = null)
    {
        if (!Enum.IsDefined(algorithm))
        {
            throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "Unknown key algorithm.");
        }

        _algorithm = algorithm;
        _jsonOptions = jsonOptions ?? AIJsonUtilities.DefaultOptions;
    }

    /// <summary>Builds the key of a chat request.</summary>
    /// <param name="messages">The conversation sent to the model.</param>
    /// <param name="options">The chat options (model id, temperature, tools, ...); <see langword="null"/> for none.</param>
    /// <param name="scope">The isolation scope, for example tenant and user; <see langword="null"/> for none.</param>
    /// <returns>Lower-case hex: 32 digits for XxHash128, 64 for SHA-256.</returns>
    public string Build(IEnumerable<ChatMessage> messages, ChatOptions? options = null, string? scope = null)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            // Top-level properties in ordinal order, like every nested object.
            writer.WriteStartObject();
            writer.WriteStartArray("messages");
            foreach (var message in messages)
            {
                ArgumentNullException.ThrowIfNull(message, nameof(messages));
                CanonicalJson.Write(writer, JsonSerializer.SerializeToElement(message, _jsonOptions.GetTypeInfo(typeof(ChatMessage))), VolatileMessageProperties);
            }

            writer.WriteEndArray();
            writer.WritePropertyName("options");
            if (options is null)
            {
                writer.WriteNullValue();
            }
            else
            {
                CanonicalJson.Write(writer, JsonSerializer.SerializeToElement(options, _jsonOptions.GetTypeInfo(typeof(ChatOptions))));
            }

            writer.WriteString("scope", scope);
            WriteTools(writer, options?.Tools);
            writer.WriteNumber("v", FormatVersion);
            writer.WriteEndObject();
        }

        return Hash(buffer.WrittenSpan);
    }

    /// <summary>Builds the key of a request already in JSON form (for example an OpenAI-style request body).</summary>
    /// <param name="requestJson">The UTF-8 JSON of the request.</param>
    /// <param name="scope">The isolation scope; <see langword="null"/> for none.</param>
    /// <returns>Lower-case hex digest.</returns>
    /// <exception cref="ArgumentException">The input is not valid JSON.</exception>
    public string BuildFromJson(ReadOnlySpan<byte> requestJson, string? scope = null)
    {
        JsonDocument document;
        try
        {
            var reader = new Utf8JsonReader(requestJson);
            document = JsonDocument.ParseValue(ref reader);
        }
        catch (JsonException ex)
        {
            throw new ArgumentException($"The request is not valid JSON: {ex.Message}", nameof(requestJson), ex);
        }

        using (document)
        {
            var buffer = new ArrayBufferWriter<byte>(requestJson.Length + 64);
            using (var writer = new Utf8JsonWriter(buffer))
            {
                writer.WriteStartObject();
                writer.WritePropertyName("request");
                CanonicalJson.Write(writer, document.RootElement);
                WriteTrailer(writer, scope);
            }

            return Hash(buffer.WrittenSpan);
        }
    }

    // ChatOptions.Tools is not serialized by the AI contracts, yet different tools change the answer: hash what the
    // model sees of each tool (name, description, parameter and return schemas), in the order given.
    private static void WriteTools(Utf8JsonWriter writer, IList<AITool>? tools)
    {
        writer.WriteStartArray("tools");
        foreach (var tool in tools ?? [])
        {
            writer.WriteStartObject();
            writer.WriteString("description", tool.Description);
            writer.WriteString("kind", tool.GetType().Name);
            writer.WriteString("name", tool.Name);
            if (tool is AIFunctionDeclaration function)
            {
                writer.WritePropertyName("parameters");
                CanonicalJson.Write(writer, function.JsonSchema);
                writer.WritePropertyName("returns");
                if (function.ReturnJsonSchema is { } returns)
                {
                    CanonicalJson.Write(writer, returns);
                }
                else
                {
                    writer.WriteNullValue();
                }
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    private static void WriteTrailer(Utf8JsonWriter writer, string? scope)
    {
        writer.WriteString("scope", scope);
        writer.WriteNumber("v", FormatVersion);
        writer.WriteEndObject();
    }

    private string Hash(ReadOnlySpan<byte> canonical) => _algorithm == LlmCacheKeyAlgorithm.Sha256
        ? Convert.ToHexStringLower(SHA256.HashData(canonical))
        : Convert.ToHexStringLower(XxHash128.Hash(canonical));
}
