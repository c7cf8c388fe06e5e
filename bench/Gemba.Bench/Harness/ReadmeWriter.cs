using System.Text;

namespace Gemba.Bench.Harness;

/// <summary>
/// Replaces the results section of bench/README.md (between two marker comments) so the prose
/// around it stays hand-written and the numbers always come from the last run.
/// </summary>
internal static class ReadmeWriter
{
    private const string Begin = "<!-- results:begin (written by `dotnet run -c Release --project bench/Gemba.Bench`; do not edit by hand) -->";
    private const string End = "<!-- results:end -->";

    public static string? Locate()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "bench", "README.md");
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    public static void Write(string path, MachineInfo machine, ResultTable table, bool quick, TimeSpan duration)
    {
        var section = new StringBuilder();
        section.AppendLine(Begin);
        section.AppendLine();
        section.AppendLine($"### Last run{(quick ? " (`--quick`: smaller sizes, smoke only)" : "")}");
        section.AppendLine();
        foreach (var line in machine.Lines()) section.AppendLine($"- {line}");
        section.AppendLine($"- Whole run: {duration.TotalSeconds:0} s");
        section.AppendLine();
        section.Append(table.ToMarkdown());
        section.AppendLine();
        section.AppendLine(End);

        var text = File.ReadAllText(path);
        var start = text.IndexOf(Begin, StringComparison.Ordinal);
        var end = text.IndexOf(End, StringComparison.Ordinal);
        text = start >= 0 && end > start
            ? text[..start] + section.ToString().TrimEnd() + text[(end + End.Length)..]
            : text.TrimEnd() + Environment.NewLine + Environment.NewLine + "## Results" + Environment.NewLine + Environment.NewLine + section;
        File.WriteAllText(path, text);
    }
}
