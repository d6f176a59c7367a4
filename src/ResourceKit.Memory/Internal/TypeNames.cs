using System.Text;

namespace ResourceKit.Memory.Internal;

/// <summary>Type names fit for logs and metric tags.</summary>
internal static class TypeNames
{
    /// <summary>
    /// The full name as C# writes it, generic arguments included (<c>System.Collections.Generic.List&lt;System.String&gt;</c>):
    /// <c>Type.Name</c> is <c>List`1</c> for every list, so pools of different lists would share one tag.
    /// </summary>
    /// <param name="type">The type.</param>
    /// <returns>Its readable full name.</returns>
    public static string Readable(Type type)
    {
        var builder = new StringBuilder();
        Append(builder, type);
        return builder.ToString();
    }

    private static void Append(StringBuilder builder, Type type)
    {
        if (type.IsArray)
        {
            Append(builder, type.GetElementType()!);
            builder.Append('[').Append(',', type.GetArrayRank() - 1).Append(']');
            return;
        }

        if (type.IsNested && !type.IsGenericParameter)
        {
            builder.Append(TrimArity(type.DeclaringType!.Name)).Append('.');
        }
        else if (type.Namespace is { Length: > 0 } ns)
        {
            builder.Append(ns).Append('.');
        }

        builder.Append(TrimArity(type.Name));
        if (type.IsGenericType)
        {
            builder.Append('<');
            var arguments = type.GetGenericArguments();
            for (var i = 0; i < arguments.Length; i++)
            {
                if (i > 0)
                {
                    builder.Append(',');
                }

                Append(builder, arguments[i]);
            }

            builder.Append('>');
        }
    }

    private static string TrimArity(string name) => name.IndexOf('`', StringComparison.Ordinal) is var tick and >= 0 ? name[..tick] : name;
}
