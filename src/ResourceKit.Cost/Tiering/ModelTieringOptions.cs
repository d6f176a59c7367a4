namespace ResourceKit.Cost.Tiering;

/// <summary>
/// Options of <see cref="ModelTierRouter"/>. The defaults are seed 004's table: the premium model only for
/// code generation above complexity 0.8, the standard model for planning and analysis above 0.6, and the
/// economy model for everything else.
/// </summary>
public sealed class ModelTieringOptions
{
    /// <summary>The default premium model.</summary>
    public const string DefaultPremiumModel = "claude-4-opus";

    /// <summary>The default standard model.</summary>
    public const string DefaultStandardModel = "claude-4-sonnet";

    /// <summary>The default economy model.</summary>
    public const string DefaultEconomyModel = "claude-3-7-sonnet";

    /// <summary>The default complexity above which code generation gets the premium tier.</summary>
    public const double DefaultPremiumComplexity = 0.8;

    /// <summary>The default complexity above which planning and analysis get the standard tier.</summary>
    public const double DefaultStandardComplexity = 0.6;

    /// <summary>The default remaining-budget fraction below which routing steps down one tier.</summary>
    public const double DefaultStepDownOneTierBelow = 0.5;

    /// <summary>The default remaining-budget fraction below which routing steps down two tiers.</summary>
    public const double DefaultStepDownTwoTiersBelow = 0.2;

    /// <summary>Gets or sets the provider of the tier models.</summary>
    /// <value>The default value is <c>anthropic</c>.</value>
    public string Provider { get; set; } = "anthropic";

    /// <summary>Gets or sets the premium model.</summary>
    /// <value>The default value is <c>claude-4-opus</c>.</value>
    public string PremiumModel { get; set; } = DefaultPremiumModel;

    /// <summary>Gets or sets the standard model.</summary>
    /// <value>The default value is <c>claude-4-sonnet</c>.</value>
    public string StandardModel { get; set; } = DefaultStandardModel;

    /// <summary>Gets or sets the economy model.</summary>
    /// <value>The default value is <c>claude-3-7-sonnet</c>.</value>
    public string EconomyModel { get; set; } = DefaultEconomyModel;

    /// <summary>Gets or sets the task types that may use the premium tier.</summary>
    /// <value>The default value is <c>code_generation</c>.</value>
    public IList<string> PremiumTaskTypes { get; set; } = [];

    /// <summary>Gets or sets the task types that may use the standard tier.</summary>
    /// <value>The default value is <c>planning</c> and <c>analysis</c>.</value>
    public IList<string> StandardTaskTypes { get; set; } = [];

    /// <summary>Gets or sets the complexity (0–1) above which premium task types get the premium tier.</summary>
    /// <value>The default value is 0.8.</value>
    public double PremiumComplexity { get; set; } = DefaultPremiumComplexity;

    /// <summary>Gets or sets the complexity (0–1) above which standard task types get the standard tier.</summary>
    /// <value>The default value is 0.6.</value>
    public double StandardComplexity { get; set; } = DefaultStandardComplexity;

    /// <summary>Gets or sets the remaining-budget fraction below which routing steps down one tier.</summary>
    /// <value>The default value is 0.5.</value>
    public double StepDownOneTierBelow { get; set; } = DefaultStepDownOneTierBelow;

    /// <summary>Gets or sets the remaining-budget fraction below which routing steps down two tiers.</summary>
    /// <value>The default value is 0.2.</value>
    public double StepDownTwoTiersBelow { get; set; } = DefaultStepDownTwoTiersBelow;

    internal IReadOnlyCollection<string> EffectivePremiumTaskTypes => PremiumTaskTypes.Count > 0 ? [.. PremiumTaskTypes] : ["code_generation"];

    internal IReadOnlyCollection<string> EffectiveStandardTaskTypes => StandardTaskTypes.Count > 0 ? [.. StandardTaskTypes] : ["planning", "analysis"];

    /// <summary>Lists every problem with the options.</summary>
    /// <param name="path">The configuration path used in the messages.</param>
    /// <returns>The problems; empty when valid.</returns>
    public IEnumerable<string> Validate(string path)
    {
        foreach (var (name, value) in new[] { (nameof(Provider), Provider), (nameof(PremiumModel), PremiumModel), (nameof(StandardModel), StandardModel), (nameof(EconomyModel), EconomyModel) })
        {
            if (string.IsNullOrWhiteSpace(value))
            {
                yield return $"{path}.{name} is required.";
            }
        }

        foreach (var (name, value) in new[] { (nameof(PremiumComplexity), PremiumComplexity), (nameof(StandardComplexity), StandardComplexity), (nameof(StepDownOneTierBelow), StepDownOneTierBelow), (nameof(StepDownTwoTiersBelow), StepDownTwoTiersBelow) })
        {
            if (value is < 0 or > 1 || double.IsNaN(value))
            {
                yield return $"{path}.{name} must be between 0 and 1 (was {value}).";
            }
        }

        if (StepDownTwoTiersBelow > StepDownOneTierBelow)
        {
            yield return $"{path}.StepDownTwoTiersBelow ({StepDownTwoTiersBelow}) must not exceed StepDownOneTierBelow ({StepDownOneTierBelow}).";
        }
    }
}
