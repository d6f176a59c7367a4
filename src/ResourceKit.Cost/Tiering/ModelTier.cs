namespace ResourceKit.Cost.Tiering;

/// <summary>A price tier of models, most expensive first.</summary>
public enum ModelTier
{
    /// <summary>The most capable and most expensive model.</summary>
    Premium,

    /// <summary>The balanced model.</summary>
    Standard,

    /// <summary>The cheapest model.</summary>
    Economy,
}
