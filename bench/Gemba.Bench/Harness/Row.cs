using System.Globalization;

namespace Gemba.Bench.Harness;

/// <summary>Whether a row has a target, and if so whether the run met it.</summary>
internal enum Verdict { Info, Pass, Fail }

/// <summary>One line of the results table.</summary>
internal sealed record Row(string Measure, string Value, string Target, Verdict Verdict, string Note = "")
{
    public static Row Info(string measure, string value, string note = "") => new(measure, value, "—", Verdict.Info, note);

    /// <summary>A row whose value must stay at or below <paramref name="target"/>.</summary>
    public static Row AtMost(string measure, double value, double target, string unit, string note = "") =>
        new(measure, F(value) + " " + unit, "< " + F(target) + " " + unit, value < target ? Verdict.Pass : Verdict.Fail, note);

    /// <summary>A row whose value must reach at least <paramref name="target"/>.</summary>
    public static Row AtLeast(string measure, double value, double target, string unit, string note = "") =>
        new(measure, F(value) + " " + unit, "≥ " + F(target) + " " + unit, value >= target ? Verdict.Pass : Verdict.Fail, note);

    /// <summary>Compact number: three significant figures, thousands separated.</summary>
    public static string F(double value)
    {
        if (double.IsNaN(value)) return "n/a";
        var abs = Math.Abs(value);
        var format = abs >= 100 ? "#,0" : abs >= 10 ? "0.0" : abs >= 1 ? "0.00" : "0.000";
        return value.ToString(format, CultureInfo.InvariantCulture);
    }
}
