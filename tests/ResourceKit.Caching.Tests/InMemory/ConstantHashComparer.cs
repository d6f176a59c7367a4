namespace ResourceKit.Caching.Tests.InMemory;

/// <summary>Integer equality with one hash for every key, so every key lands in one bucket chain of the cache's map.</summary>
internal sealed class ConstantHashComparer : IEqualityComparer<int>
{
    public bool Equals(int x, int y) => x == y;

    public int GetHashCode(int obj) => 42;
}
