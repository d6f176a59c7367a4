namespace ResourceKit.Caching;

/// <summary>
/// A caller's key and the instance prefix. L1 belongs to one instance and uses the key as given, so the hit path
/// allocates nothing; the prefixed form is built only for the shared tiers (disk, Redis, backplane).
/// </summary>
internal readonly record struct TieredKey(string Local, string Prefix)
{
    /// <summary>Joins the application name, the tenant and the key; neither of the first two may contain it.</summary>
    public const char Separator = ':';

    public string Full => string.Concat(Prefix, Local);
}
