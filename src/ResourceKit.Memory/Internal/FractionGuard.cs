namespace ResourceKit.Memory.Internal;

/// <summary>The argument check every <c>Trim(fraction)</c> shares.</summary>
internal static class FractionGuard
{
    /// <summary>Throws unless <paramref name="fraction"/> is between 0 and 1.</summary>
    public static void ThrowIfNotFraction(double fraction, string paramName)
    {
        if (double.IsNaN(fraction) || fraction is < 0 or > 1)
        {
            throw new ArgumentOutOfRangeException(paramName, fraction, "The fraction to trim must be between 0 and 1.");
        }
    }
}
