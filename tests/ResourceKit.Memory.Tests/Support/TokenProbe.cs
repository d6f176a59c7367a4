namespace ResourceKit.Memory.Tests.Support;

/// <summary>Checks that a token handed to an abandoned lifecycle call is still usable (its sources not yet disposed).</summary>
internal static class TokenProbe
{
    /// <summary>Touches the token's wait handle, which throws once its source is disposed.</summary>
    /// <param name="token">The token.</param>
    /// <returns><see langword="null"/> when usable, else the <see cref="ObjectDisposedException"/>.</returns>
    public static ObjectDisposedException? Use(CancellationToken token)
    {
        try
        {
            _ = token.WaitHandle;
            return null;
        }
        catch (ObjectDisposedException ex)
        {
            return ex;
        }
    }
}
