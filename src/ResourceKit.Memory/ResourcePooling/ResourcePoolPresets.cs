namespace ResourceKit.Memory.ResourcePooling;

/// <summary>
/// The seed's pool configuration matrix as ready-made <see cref="ResourcePoolOptions"/>. Each call returns a new
/// instance, so a caller may adjust it freely.
/// </summary>
public static class ResourcePoolPresets
{
    /// <summary>HTTP sessions: 2–5, idle 5 min, lifetime 1 h.</summary>
    /// <returns>New options.</returns>
    public static ResourcePoolOptions Http() => Create("http-sessions", 2, 5, TimeSpan.FromMinutes(5), TimeSpan.FromHours(1));

    /// <summary>Database connections: 3–10, idle 10 min, lifetime 2 h.</summary>
    /// <returns>New options.</returns>
    public static ResourcePoolOptions Database() => Create("database-connections", 3, 10, TimeSpan.FromMinutes(10), TimeSpan.FromHours(2));

    /// <summary>Browser instances: 1–3, idle 2 min, lifetime 30 min.</summary>
    /// <returns>New options.</returns>
    public static ResourcePoolOptions Browser() => Create("browser-instances", 1, 3, TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(30));

    /// <summary>Text-to-speech engines: 1–2, idle 5 min, lifetime 1 h.</summary>
    /// <returns>New options.</returns>
    public static ResourcePoolOptions TextToSpeech() => Create("tts-engines", 1, 2, TimeSpan.FromMinutes(5), TimeSpan.FromHours(1));

    /// <summary>Vector database connections: 2–5, idle 10 min, lifetime 2 h.</summary>
    /// <returns>New options.</returns>
    public static ResourcePoolOptions VectorDatabase() => Create("vector-db-connections", 2, 5, TimeSpan.FromMinutes(10), TimeSpan.FromHours(2));

    private static ResourcePoolOptions Create(string name, int min, int max, TimeSpan idle, TimeSpan lifetime) => new()
    {
        Name = name,
        MinSize = min,
        MaxSize = max,
        MaxIdleTime = idle,
        MaxLifetime = lifetime,
    };
}
