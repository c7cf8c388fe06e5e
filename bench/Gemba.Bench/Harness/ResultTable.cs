using System.Text;

namespace Gemba.Bench.Harness;

/// <summary>The one table the run produces, as aligned console text and as Markdown.</summary>
internal sealed class ResultTable
{
    private readonly List<Row> _rows = [];

    /// <summary>Rows in measure order (1–6), each measure's rows in the order they were taken.</summary>
    public IReadOnlyList<Row> Rows => [.. _rows.OrderBy(r => r.Measure.Length > 0 && char.IsDigit(r.Measure[0]) ? r.Measure[0] : '9')];

    public void Add(Row row)
    {
        _rows.Add(row);
        // Print as we go: a long run should show progress, and a crash should not lose earlier rows.
        Console.WriteLine($"  {row.Measure}: {row.Value}  [{row.Target}] {VerdictText(row.Verdict)}{(row.Note.Length > 0 ? "  — " + row.Note : "")}");
    }

    public string ToConsole()
    {
        string[] header = ["measure", "value", "target", "verdict"];
        var cells = Rows.Select(r => new[] { r.Measure, r.Value, r.Target, VerdictText(r.Verdict) }).Prepend(header).ToList();
        var widths = Enumerable.Range(0, 4).Select(i => cells.Max(c => c[i].Length)).ToArray();
        var text = new StringBuilder();
        foreach (var (c, i) in cells.Select((c, i) => (c, i)))
        {
            text.AppendLine(string.Join("  ", c.Select((cell, j) => cell.PadRight(widths[j]))).TrimEnd());
            if (i == 0) text.AppendLine(string.Join("  ", widths.Select(w => new string('-', w))));
        }
        return text.ToString();
    }

    public string ToMarkdown()
    {
        var text = new StringBuilder();
        text.AppendLine("| measure | value | target | verdict | note |");
        text.AppendLine("|---|---:|---|---|---|");
        foreach (var r in Rows)
            text.AppendLine($"| {Escape(r.Measure)} | {Escape(r.Value)} | {Escape(r.Target)} | {VerdictText(r.Verdict)} | {Escape(r.Note)} |");
        return text.ToString();
    }

    public static string VerdictText(Verdict verdict) => verdict switch
    {
        Verdict.Pass => "PASS",
        Verdict.Fail => "FAIL",
        _ => "info",
    };

    private static string Escape(string text) => text.Replace("|", "\\|", StringComparison.Ordinal);
}
