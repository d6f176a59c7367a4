using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json;

namespace ResourceKit.Caching.Keys;

/// <summary>
/// Writes JSON in one canonical form: object properties sorted by ordinal name, no whitespace, numbers by their exact
/// value (so <c>0.70</c>, <c>0.7</c> and <c>7e-1</c> agree, and no two different numbers do) and strings re-escaped
/// uniformly.
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

    private static void WriteNumber(Utf8JsonWriter writer, JsonElement element) =>
        writer.WriteRawValue(CanonicalNumber(element.GetRawText()));

    /// <summary>
    /// The exact value of a JSON number token in one spelling: <c>{digits}</c> for an integer of at most 19 digits,
    /// otherwise <c>{digits}e{exponent}</c>, where the digits have no leading or trailing zeros. Converting through
    /// <see cref="double"/> would round (<c>12345678901234567890</c> and <c>…891</c>, or <c>0.1</c> and
    /// <c>0.10000000000000001</c>, would share a key and one request would be served the other's answer); this form
    /// maps distinct values to distinct text and every spelling of one value (<c>0.7</c>, <c>0.70</c>, <c>7e-1</c>)
    /// to the same text.
    /// </summary>
    /// <param name="token">A valid JSON number token.</param>
    internal static string CanonicalNumber(string token)
    {
        var negative = token[0] == '-';
        var i = negative ? 1 : 0;
        var digits = new StringBuilder(token.Length);
        BigInteger exponent = 0;
        while (i < token.Length && char.IsAsciiDigit(token[i]))
        {
            digits.Append(token[i++]);
        }

        if (i < token.Length && token[i] == '.')
        {
            for (i++; i < token.Length && char.IsAsciiDigit(token[i]); i++)
            {
                digits.Append(token[i]);
                exponent--;
            }
        }

        if (i < token.Length && token[i] is 'e' or 'E')
        {
            // BigInteger: the grammar puts no bound on the exponent's digits.
            exponent += BigInteger.Parse(token.AsSpan(i + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        }

        var significant = digits.ToString().TrimStart('0');
        if (significant.Length == 0)
        {
            return "0";
        }

        var trimmed = significant.TrimEnd('0');
        exponent += significant.Length - trimmed.Length;
        var sign = negative ? "-" : string.Empty;
        return exponent >= 0 && exponent + trimmed.Length <= 19
            ? string.Concat(sign, trimmed, new string('0', (int)exponent))
            : string.Create(CultureInfo.InvariantCulture, $"{sign}{trimmed}e{exponent}");
    }
}
