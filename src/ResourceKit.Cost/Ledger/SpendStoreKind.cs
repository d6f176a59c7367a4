namespace ResourceKit.Cost.Ledger;

/// <summary>Which <see cref="ISpendStore"/> the DI registration creates.</summary>
public enum SpendStoreKind
{
    /// <summary><see cref="FileSpendStore"/>: durable, one process.</summary>
    File,

    /// <summary><see cref="MemorySpendStore"/>: lost on restart.</summary>
    Memory,

    /// <summary><see cref="RedisSpendStore"/>: durable, shared by several hosts.</summary>
    Redis,
}
