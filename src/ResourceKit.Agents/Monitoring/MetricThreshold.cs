using System.ComponentModel.DataAnnotations;

namespace ResourceKit.Agents.Monitoring;

/// <summary>Warning, critical and emergency thresholds for one metric.</summary>
public sealed class MetricThreshold
{
    /// <summary>Gets or sets the value at which a warning is raised.</summary>
    [Required]
    public double Warning { get; set; }

    /// <summary>Gets or sets the value at which a critical alert is raised.</summary>
    [Required]
    public double Critical { get; set; }

    /// <summary>Gets or sets the value at which an emergency alert is raised.</summary>
    [Required]
    public double Emergency { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether low values are the bad ones (a cache hit rate), so the
    /// thresholds descend: warning &gt; critical &gt; emergency.
    /// </summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool LowerIsWorse { get; set; }

    /// <summary>Creates thresholds where higher values are worse.</summary>
    /// <param name="warning">The warning threshold.</param>
    /// <param name="critical">The critical threshold.</param>
    /// <param name="emergency">The emergency threshold.</param>
    /// <returns>The thresholds.</returns>
    public static MetricThreshold Above(double warning, double critical, double emergency) =>
        new() { Warning = warning, Critical = critical, Emergency = emergency };

    /// <summary>Creates thresholds where lower values are worse.</summary>
    /// <param name="warning">The warning threshold.</param>
    /// <param name="critical">The critical threshold.</param>
    /// <param name="emergency">The emergency threshold.</param>
    /// <returns>The thresholds.</returns>
    public static MetricThreshold Below(double warning, double critical, double emergency) =>
        new() { Warning = warning, Critical = critical, Emergency = emergency, LowerIsWorse = true };

    /// <summary>Returns the alert level a value falls in, or <see langword="null"/> when it is normal.</summary>
    /// <param name="value">The value.</param>
    /// <returns>The level, or <see langword="null"/> for a normal value.</returns>
    public AlertLevel? Classify(double value)
    {
        if (Crossed(value, Emergency))
        {
            return AlertLevel.Emergency;
        }

        if (Crossed(value, Critical))
        {
            return AlertLevel.Critical;
        }

        return Crossed(value, Warning) ? AlertLevel.Warning : null;
    }

    /// <summary>Returns the threshold of a level.</summary>
    /// <param name="level">The level.</param>
    /// <returns>The threshold value; the warning threshold for <see cref="AlertLevel.Info"/>.</returns>
    public double ThresholdOf(AlertLevel level) => level switch
    {
        AlertLevel.Emergency => Emergency,
        AlertLevel.Critical => Critical,
        _ => Warning,
    };

    /// <summary>
    /// Scores a value from 100 (ideal) to 0 on seed 002's bands: normal values score 70–100, warning 50–69,
    /// critical 30–49 and emergency 0–29, interpolated within each band.
    /// </summary>
    /// <param name="value">The value.</param>
    /// <returns>The score, 0 to 100.</returns>
    public double Score(double value)
    {
        // Work on "badness" so both directions share one formula: 0 is ideal, thresholds ascend.
        var sign = LowerIsWorse ? -1 : 1;
        var v = sign * value;
        var w = sign * Warning;
        var c = sign * Critical;
        var e = sign * Emergency;
        // A value as far on the good side of the warning threshold as the emergency threshold is on the
        // bad side scores 100; for higher-is-worse metrics zero always scores 100.
        var mirrored = w - (e - w);
        var ideal = LowerIsWorse ? mirrored : Math.Max(Math.Min(0, w), mirrored);

        double score;
        if (v < w)
        {
            score = Interpolate(v, ideal, w, 100, 70);
        }
        else if (v < c)
        {
            score = Interpolate(v, w, c, 69, 50);
        }
        else if (v < e)
        {
            score = Interpolate(v, c, e, 49, 30);
        }
        else
        {
            score = Interpolate(v, e, e + Math.Max(e - c, double.Epsilon), 29, 0);
        }

        return Math.Clamp(score, 0, 100);
    }

    internal IEnumerable<string> Validate(string metric)
    {
        double[] values = [Warning, Critical, Emergency];
        if (values.Any(v => double.IsNaN(v) || double.IsInfinity(v)))
        {
            yield return $"Thresholds of '{metric}' must be finite numbers.";
            yield break;
        }

        var ordered = LowerIsWorse
            ? Warning > Critical && Critical > Emergency
            : Warning < Critical && Critical < Emergency;
        if (!ordered)
        {
            yield return LowerIsWorse
                ? $"Thresholds of '{metric}' must descend (warning {Warning} > critical {Critical} > emergency {Emergency}) because lower is worse."
                : $"Thresholds of '{metric}' must ascend (warning {Warning} < critical {Critical} < emergency {Emergency}).";
        }
    }

    private bool Crossed(double value, double threshold) => LowerIsWorse ? value <= threshold : value >= threshold;

    private static double Interpolate(double v, double from, double to, double scoreFrom, double scoreTo)
    {
        if (to <= from)
        {
            return scoreTo;
        }

        var t = Math.Clamp((v - from) / (to - from), 0, 1);
        return scoreFrom + ((scoreTo - scoreFrom) * t);
    }
}
