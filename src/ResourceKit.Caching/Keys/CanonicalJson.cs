using System.Text.Json;

namespace ResourceKit.Caching.Keys;

/// <summary>
/// Writes JSON in one canonical form: object properties sorted by ordinal name, no whitespace, numbers in their
/// shortest round-trip form (so <c>0.70</c>, <c>0.7</c> and <c>7e-1</c> agree) and strings re-escaped uniformly.
/// </summary>
internal static class CanonicalJson
{
    public static void Write(Utf8JsonWriter writer, JsonElement element, IReadOnlySet<string>? skippedProperties = null)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteStartObject();
                foreach (var property in element.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal))
                {
                    if (skippedProperties?.Contains(property.Name) == true)
                    {
                        continue;
                    }

                    writer.WritePropertyName(property.Name);
                    Write(writer, property.Value);
                }

                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in element.EnumerateArray())
                {
                    Write(writer, item);
                }

                writer.WriteEndArray();
                break;
            case JsonValueKind.String:
                writer.WriteStringValue(element.GetString());
                break;
            case JsonValueKind.Number:
                WriteNumber(writer, element);
                break;
            case JsonValueKind.True:
                writer.WriteBooleanValue(true);
                break;
            case JsonValueKind.False:
                writer.WriteBooleanValue(false);
                break;
            default:
                writer.WriteNullValue();
                break;
        }
    }

    private static void WriteNumber(Utf8JsonWriter writer, JsonElement element)
    {
        if (element.TryGetInt64(out var integer))
        {
            writer.WriteNumberValue(integer);
        }
        else if (element.TryGetDouble(out var real) && double.IsFinite(real))
        {
            if (real == Math.Floor(real) && Math.Abs(real) < 9e15)
            {
                writer.WriteNumberValue((long)real);
            }
            else
            {
                writer.WriteNumberValue(real);
            }
        }
        else
        {
            element.WriteTo(writer);
        }
    }
}
