using System.ComponentModel.DataAnnotations;

namespace ResourceKit.Caching.Disk;

/// <summary>Options for <see cref="DiskCacheStore"/>, the local-disk L2 tier.</summary>
public sealed class DiskCacheStoreOptions
{
    /// <summary>The default size budget: 1 GiB, the seed's L2 size.</summary>
    public const long DefaultMaximumSizeBytes = 1024L * 1024 * 1024;

    /// <summary>The default fraction of the budget an eviction pass brings the store down to.</summary>
    public const double DefaultEvictionTargetRatio = 0.9;

    /// <summary>The default allocation unit a record's size is rounded up to: 4 KiB.</summary>
    public const int DefaultAllocationUnitBytes = 4096;

    /// <summary>The default interval between sweeps that delete expired records.</summary>
    public static readonly TimeSpan DefaultCleanupInterval = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Gets or sets the folder that holds the store. The store creates a <c>rkc-v1</c> folder inside it,
    /// readable by the owner only, and keeps all its files there.
    /// </summary>
    /// <value>The default value is <see langword="null"/>, which uses a folder per application,
    /// <c>{LocalApplicationData}/ResourceKit/{application}/cache</c>: the application is
    /// <see cref="TieredCacheOptions.ApplicationName"/> when the store is registered with the tiered cache, and the entry
    /// assembly's name otherwise (characters other than letters, digits, <c>.</c>, <c>-</c> and <c>_</c> become
    /// <c>_</c>). Two processes of one application still share it: the second gets a
    /// <see cref="DiskCacheFolderInUseException"/>, which the tiered cache's registration turns into a warning and a cache
    /// without L2.</value>
    public string? Directory { get; set; }

    /// <summary>Gets or sets the most bytes the records may take on disk; least valuable records are evicted beyond it.</summary>
    /// <value>The default value is <see cref="DefaultMaximumSizeBytes"/>.</value>
    [Range(1024L, long.MaxValue)]
    public long MaximumSizeBytes { get; set; } = DefaultMaximumSizeBytes;

    /// <summary>Gets or sets the fraction of <see cref="MaximumSizeBytes"/> that an eviction pass frees down to, so passes are rare.</summary>
    /// <value>The default value is <see cref="DefaultEvictionTargetRatio"/>.</value>
    [Range(0.1, 1.0)]
    public double EvictionTargetRatio { get; set; } = DefaultEvictionTargetRatio;

    /// <summary>Gets or sets how often expired records are deleted in the background.</summary>
    /// <value>The default value is <see cref="DefaultCleanupInterval"/>.</value>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan CleanupInterval { get; set; } = DefaultCleanupInterval;

    /// <summary>
    /// Gets or sets a value indicating whether each write is flushed to the device before it is renamed into place.
    /// Without it a process crash still never exposes a partial record (the rename is atomic and the
    /// checksum catches torn files after a power loss), but the newest writes may be lost on power loss.
    /// </summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool FlushToDevice { get; set; }

    /// <summary>
    /// Gets or sets the unit in which the file system allocates space: each record counts against
    /// <see cref="MaximumSizeBytes"/> rounded up to it, because a 200-byte record still takes a whole block on disk.
    /// Use 1 to count exact record sizes.
    /// </summary>
    /// <value>The default value is <see cref="DefaultAllocationUnitBytes"/>, the block size of common Linux and Windows file systems.</value>
    [Range(1, 1024 * 1024)]
    public int AllocationUnitBytes { get; set; } = DefaultAllocationUnitBytes;

    internal string ResolveDirectory() =>
        Directory is { Length: > 0 } directory
            ? directory
            : DefaultDirectory(System.Reflection.Assembly.GetEntryAssembly()?.GetName().Name);

    /// <summary>A copy whose <see cref="Directory"/> is set, to the default folder of <paramref name="applicationName"/> when it was not.</summary>
    internal DiskCacheStoreOptions WithDirectoryFor(string? applicationName)
    {
        var copy = (DiskCacheStoreOptions)MemberwiseClone();
        copy.Directory = Directory is { Length: > 0 } directory ? directory : DefaultDirectory(applicationName);
        return copy;
    }

    /// <summary>
    /// <c>{LocalApplicationData}/ResourceKit/{application}/cache</c>, the application name made one safe folder name
    /// (it may come from configuration: no separators, no <c>..</c>).
    /// </summary>
    internal static string DefaultDirectory(string? applicationName)
    {
        var name = string.IsNullOrWhiteSpace(applicationName) ? TieredCacheOptions.DefaultApplicationName : applicationName;
        var safe = string.Create(name.Length, name, static (span, source) =>
        {
            for (var i = 0; i < source.Length; i++)
            {
                var c = source[i];
                span[i] = char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_';
            }
        });
        if (safe.Trim('.').Length == 0)
        {
            safe = "_" + safe;
        }

        var localData = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create);
        return Path.Combine(localData, "ResourceKit", safe, "cache");
    }
}
