using System.Numerics.Tensors;

namespace ResourceKit.Caching.Semantic;

/// <summary>The prompts of one scope: unit vectors searched linearly (a dot product each), oldest forgotten first.</summary>
internal sealed class SemanticScope(int capacity)
{
    private readonly Lock _lock = new();
    private readonly LinkedList<SemanticEntry> _entries = new();
    private readonly Dictionary<string, LinkedListNode<SemanticEntry>> _byPrompt = new(StringComparer.Ordinal);

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _entries.Count;
            }
        }
    }

    public string? FindExact(string prompt, long nowUnixMs)
    {
        lock (_lock)
        {
            return _byPrompt.TryGetValue(prompt, out var node) && node.Value.ExpiresUnixMs > nowUnixMs ? node.Value.Key : null;
        }
    }

    public (string? Key, float Similarity) FindNearest(float[] unitVector, long nowUnixMs)
    {
        lock (_lock)
        {
            string? bestKey = null;
            var best = 0f;
            var node = _entries.First;
            while (node is not null)
            {
                var next = node.Next;
                var entry = node.Value;
                if (entry.ExpiresUnixMs <= nowUnixMs)
                {
                    Remove(node);
                }
                else if (entry.Vector.Length == unitVector.Length)
                {
                    var similarity = TensorPrimitives.Dot(entry.Vector, unitVector);
                    if (similarity > best)
                    {
                        best = similarity;
                        bestKey = entry.Key;
                    }
                }

                node = next;
            }

            return (bestKey, best);
        }
    }

    public void Add(string prompt, string key, float[] unitVector, long expiresUnixMs)
    {
        lock (_lock)
        {
            if (_byPrompt.TryGetValue(prompt, out var existing))
            {
                Remove(existing);
            }

            while (_entries.Count >= capacity)
            {
                Remove(_entries.First!);
            }

            _byPrompt[prompt] = _entries.AddLast(new SemanticEntry(prompt, key, unitVector, expiresUnixMs));
        }
    }

    private void Remove(LinkedListNode<SemanticEntry> node)
    {
        _entries.Remove(node);
        _byPrompt.Remove(node.Value.Prompt);
    }

    private sealed record SemanticEntry(string Prompt, string Key, float[] Vector, long ExpiresUnixMs);
}
