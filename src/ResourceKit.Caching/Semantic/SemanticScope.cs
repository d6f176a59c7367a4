using System.Numerics.Tensors;

namespace ResourceKit.Caching.Semantic;

/// <summary>
/// The prompts of one scope: unit vectors searched linearly (a dot product each), oldest forgotten first. Every
/// mutation reports how many entries it added or removed so the owner can keep a global count. A scope that was
/// emptied and dropped from the owner's map is retired: it refuses new entries, so none is added to an orphan.
/// </summary>
internal sealed class SemanticScope(int capacity)
{
    private readonly Lock _lock = new();
    private readonly LinkedList<SemanticEntry> _entries = new();
    private readonly Dictionary<string, LinkedListNode<SemanticEntry>> _byPrompt = new(StringComparer.Ordinal);
    private bool _retired;

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

    /// <summary>Returns the most similar live entry; expired entries met on the way are removed and counted.</summary>
    public (string? Key, float Similarity, int Removed) FindNearest(float[] unitVector, long nowUnixMs)
    {
        lock (_lock)
        {
            string? bestKey = null;
            var best = 0f;
            var removed = 0;
            var node = _entries.First;
            while (node is not null)
            {
                var next = node.Next;
                var entry = node.Value;
                if (entry.ExpiresUnixMs <= nowUnixMs)
                {
                    Remove(node);
                    removed++;
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

            return (bestKey, best, removed);
        }
    }

    /// <summary>Adds or replaces the prompt; <paramref name="delta"/> is the change in entries. False when retired.</summary>
    public bool TryAdd(string prompt, string key, float[] unitVector, long expiresUnixMs, out int delta)
    {
        delta = 0;
        lock (_lock)
        {
            if (_retired)
            {
                return false;
            }

            if (_byPrompt.TryGetValue(prompt, out var existing))
            {
                Remove(existing);
                delta--;
            }

            while (_entries.Count >= capacity)
            {
                Remove(_entries.First!);
                delta--;
            }

            _byPrompt[prompt] = _entries.AddLast(new SemanticEntry(prompt, key, unitVector, expiresUnixMs));
            delta++;
            return true;
        }
    }

    /// <summary>Removes expired entries and retires the scope when nothing is left; returns the number removed.</summary>
    public int PruneExpired(long nowUnixMs, out bool retired)
    {
        lock (_lock)
        {
            var removed = 0;
            var node = _entries.First;
            while (node is not null)
            {
                var next = node.Next;
                if (node.Value.ExpiresUnixMs <= nowUnixMs)
                {
                    Remove(node);
                    removed++;
                }

                node = next;
            }

            retired = _retired = _retired || _entries.Count == 0;
            return removed;
        }
    }

    /// <summary>Gets the expiry of the oldest entry (entries are kept in insertion order), for global eviction.</summary>
    public bool TryPeekOldest(out long expiresUnixMs)
    {
        lock (_lock)
        {
            expiresUnixMs = _entries.First?.Value.ExpiresUnixMs ?? 0;
            return _entries.First is not null;
        }
    }

    /// <summary>Removes the oldest entry; retires the scope when that empties it.</summary>
    public bool TryRemoveOldest(out bool retired)
    {
        lock (_lock)
        {
            var removed = _entries.First is not null;
            if (removed)
            {
                Remove(_entries.First!);
            }

            retired = _retired = _retired || _entries.Count == 0;
            return removed;
        }
    }

    /// <summary>Forgets every entry and refuses new ones; returns the number removed.</summary>
    public int Retire()
    {
        lock (_lock)
        {
            var removed = _entries.Count;
            _entries.Clear();
            _byPrompt.Clear();
            _retired = true;
            return removed;
        }
    }

    private void Remove(LinkedListNode<SemanticEntry> node)
    {
        _entries.Remove(node);
        _byPrompt.Remove(node.Value.Prompt);
    }

    private sealed record SemanticEntry(string Prompt, string Key, float[] Vector, long ExpiresUnixMs);
}
