namespace ResourceKit.Caching;

/// <summary>
/// An intrusive doubly linked list of nodes in access order: the head is the least recently used.
/// Intrusive links mean moving a node allocates nothing. Used only under the policy lock.
/// </summary>
internal sealed class AccessOrderList<TKey, TValue>
    where TKey : notnull
{
    public CacheNode<TKey, TValue>? First { get; private set; }

    public CacheNode<TKey, TValue>? Last { get; private set; }

    public void AddLast(CacheNode<TKey, TValue> node)
    {
        node.Previous = Last;
        node.Next = null;
        if (Last is null)
        {
            First = node;
        }
        else
        {
            Last.Next = node;
        }

        Last = node;
    }

    public void Remove(CacheNode<TKey, TValue> node)
    {
        if (node.Previous is null)
        {
            First = node.Next;
        }
        else
        {
            node.Previous.Next = node.Next;
        }

        if (node.Next is null)
        {
            Last = node.Previous;
        }
        else
        {
            node.Next.Previous = node.Previous;
        }

        node.Previous = null;
        node.Next = null;
    }

    public void MoveToEnd(CacheNode<TKey, TValue> node)
    {
        if (!ReferenceEquals(Last, node))
        {
            Remove(node);
            AddLast(node);
        }
    }

    /// <summary>Puts <paramref name="replacement"/> where <paramref name="node"/> was, keeping its position.</summary>
    public void Replace(CacheNode<TKey, TValue> node, CacheNode<TKey, TValue> replacement)
    {
        replacement.Previous = node.Previous;
        replacement.Next = node.Next;
        if (node.Previous is null)
        {
            First = replacement;
        }
        else
        {
            node.Previous.Next = replacement;
        }

        if (node.Next is null)
        {
            Last = replacement;
        }
        else
        {
            node.Next.Previous = replacement;
        }

        node.Previous = null;
        node.Next = null;
    }

    public void Clear()
    {
        First = null;
        Last = null;
    }
}
