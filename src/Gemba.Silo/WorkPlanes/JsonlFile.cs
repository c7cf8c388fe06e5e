using System.Text;
using System.Text.Json;
using Gemba.Beads;
using Gemba.WorkPlanes;

namespace Gemba.Silo.WorkPlanes;

/// <summary>
/// One parsed version of an <c>issues.jsonl</c> file. It keeps the raw bytes and where each line
/// sits, so a rewrite can replace a few lines and leave every other byte exactly as it was.
/// </summary>
internal sealed class JsonlFile
{
    private static readonly byte[] Utf8Bom = [0xEF, 0xBB, 0xBF];

    private JsonlFile(string displayName, byte[] content, List<Line> lines, Dictionary<string, int> lineById, List<Bead> beads, List<WorkPlaneProblem> problems)
    {
        DisplayName = displayName;
        Content = content;
        Lines = lines;
        LineById = lineById;
        Beads = beads;
        Problems = problems;
    }

    public string DisplayName { get; }

    public byte[] Content { get; }

    public IReadOnlyList<Line> Lines { get; }

    /// <summary>Index into <see cref="Lines"/> of the line that defines each issue (the last one wins, as on import).</summary>
    public IReadOnlyDictionary<string, int> LineById { get; }

    /// <summary>Issue beads in file order, without shadowed duplicates.</summary>
    public IReadOnlyList<Bead> Beads { get; }

    public IReadOnlyList<WorkPlaneProblem> Problems { get; }

    /// <param name="Start">Offset of the first byte of the line.</param>
    /// <param name="Length">Length without the terminating newline (a trailing CR is included).</param>
    /// <param name="HasNewline">Whether a '\n' follows the line.</param>
    /// <param name="Bead">The issue this line defines, when it is a well-formed issue line.</param>
    public readonly record struct Line(int Start, int Length, bool HasNewline, Bead? Bead);

    public ReadOnlySpan<byte> RawLine(int index) => Content.AsSpan(Lines[index].Start, Lines[index].Length);

    public static JsonlFile Parse(byte[] content, string displayName)
    {
        var lines = SplitLines(content);
        // Lines are independent, so large files parse in parallel; problems keep their line order.
        var beads = new Bead?[lines.Count];
        var lineProblems = new WorkPlaneProblem?[lines.Count];
        if (lines.Count >= ParallelThreshold)
        {
            Parallel.For(0, lines.Count, i => beads[i] = ParseLine(content, lines[i], i, displayName, out lineProblems[i]));
        }
        else
        {
            for (var i = 0; i < lines.Count; i++) beads[i] = ParseLine(content, lines[i], i, displayName, out lineProblems[i]);
        }

        var lineById = new Dictionary<string, int>(lines.Count, StringComparer.Ordinal);
        var problems = new List<WorkPlaneProblem>();
        for (var i = 0; i < lines.Count; i++)
        {
            if (lineProblems[i] is { } problem) problems.Add(problem);
            if (beads[i] is not { } bead) continue;
            if (lineById.TryGetValue(bead.Id, out var earlier))
                problems.Add(new WorkPlaneProblem($"{displayName}:{i + 1}", $"duplicate id {bead.Id} (shadows line {earlier + 1})"));
            lineById[bead.Id] = i;
            lines[i] = lines[i] with { Bead = bead };
        }

        var result = new List<Bead>(lineById.Count);
        for (var i = 0; i < lines.Count; i++)
        {
            if (beads[i] is { } bead && lineById[bead.Id] == i) result.Add(bead);
        }
        return new JsonlFile(displayName, content, lines, lineById, result, problems);
    }

    private const int ParallelThreshold = 2048;

    private static List<Line> SplitLines(byte[] content)
    {
        var lines = new List<Line>();
        var span = content.AsSpan();
        var start = 0;
        while (start < content.Length)
        {
            var newline = span[start..].IndexOf((byte)'\n');
            var length = newline < 0 ? content.Length - start : newline;
            lines.Add(new Line(start, length, newline >= 0, null));
            start += length + (newline >= 0 ? 1 : 0);
        }
        return lines;
    }

    private static Bead? ParseLine(byte[] content, Line line, int index, string displayName, out WorkPlaneProblem? problem)
    {
        var problems = new List<WorkPlaneProblem>(0);
        var bead = ParseLine(content.AsSpan(line.Start, line.Length), index == 0, displayName, index + 1, problems);
        problem = problems.Count > 0 ? problems[0] : null;
        return bead;
    }

    private static Bead? ParseLine(ReadOnlySpan<byte> raw, bool first, string displayName, int lineNumber, List<WorkPlaneProblem> problems)
    {
        if (first && raw.StartsWith(Utf8Bom)) raw = raw[Utf8Bom.Length..];
        if (raw.Trim(" \t\r"u8).IsEmpty) return null;
        try
        {
            var reader = new Utf8JsonReader(raw);
            using var document = JsonDocument.ParseValue(ref reader);
            if (reader.Read()) throw new JsonException("trailing data after the JSON object");
            if (JsonlLineCheck.Check(raw) is { } flaw)
            {
                problems.Add(new WorkPlaneProblem($"{displayName}:{lineNumber}", flaw));
                return null;
            }
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object && BeadJson.GetString(root, "_type") is { } kind && kind != "issue")
            {
                // memory lines (and any future record kind) are kept in the file but are not beads
                return null;
            }
            if (BeadJson.TryParse(root, out var bead, out var error)) return bead;
            problems.Add(new WorkPlaneProblem($"{displayName}:{lineNumber}", error ?? "unreadable issue"));
            return null;
        }
        catch (JsonException ex)
        {
            problems.Add(new WorkPlaneProblem($"{displayName}:{lineNumber}", $"bad JSON: {FirstSentence(ex.Message)}"));
            return null;
        }
        catch (Exception ex) when (ex is InvalidOperationException or FormatException or ArgumentException)
        {
            // One odd line must never fail the whole file: whatever slipped past the checks is this line's problem.
            problems.Add(new WorkPlaneProblem($"{displayName}:{lineNumber}", $"unreadable: {ex.Message}"));
            return null;
        }
    }

    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }

    /// <summary>
    /// The file with some lines replaced and raw bytes appended; all other bytes (and every line
    /// ending) are copied as they were.
    /// </summary>
    public byte[] Render(IReadOnlyDictionary<int, string> replacements, IReadOnlyList<byte[]>? appended = null, IReadOnlySet<int>? removed = null)
    {
        using var output = new MemoryStream(Content.Length + 256 * replacements.Count);
        // A last line without its newline may be a `>>` append still being written: lines we add go
        // before it, so the writer's remaining bytes still finish its own line instead of a new one.
        var open = appended is { Count: > 0 } && Lines.Count > 0 && !Lines[^1].HasNewline ? Lines.Count - 1 : -1;
        for (var i = 0; i < Lines.Count; i++)
        {
            if (i != open) WriteLine(output, i, replacements, removed);
        }
        foreach (var bytes in appended ?? [])
        {
            // appended lines start on a line of their own even when the file lacked a final newline
            if (output.Length > 0 && bytes.Length > 0 && output.GetBuffer()[output.Length - 1] != (byte)'\n' && bytes[0] != (byte)'\n')
                output.WriteByte((byte)'\n');
            output.Write(bytes);
            if (open >= 0 && bytes.Length > 0 && bytes[^1] != (byte)'\n') output.WriteByte((byte)'\n');
        }
        if (open >= 0) WriteLine(output, open, replacements, removed);
        return output.ToArray();
    }

    private void WriteLine(MemoryStream output, int i, IReadOnlyDictionary<int, string> replacements, IReadOnlySet<int>? removed)
    {
        if (removed is not null && removed.Contains(i)) return;
        if (replacements.TryGetValue(i, out var text))
        {
            var raw = RawLine(i);
            if (i == 0 && raw.StartsWith(Utf8Bom)) output.Write(Utf8Bom);
            output.Write(Encoding.UTF8.GetBytes(text));
            if (raw.EndsWith("\r"u8)) output.WriteByte((byte)'\r');
        }
        else
        {
            output.Write(RawLine(i));
        }
        if (Lines[i].HasNewline) output.WriteByte((byte)'\n');
    }

    /// <summary>
    /// The parse of <paramref name="rendered"/>, which is this file with whole lines replaced (a
    /// compact JSON object never contains a newline, so line numbers and ids stay put). Untouched
    /// lines keep their beads and problems instead of being parsed again.
    /// </summary>
    public JsonlFile WithEditedLines(byte[] rendered, IReadOnlyDictionary<int, Bead> editedBeads)
    {
        var lines = SplitLines(rendered);
        if (lines.Count != Lines.Count) return Parse(rendered, DisplayName);
        var beads = new List<Bead>(Beads.Count);
        for (var i = 0; i < lines.Count; i++)
        {
            var bead = editedBeads.TryGetValue(i, out var edited) ? edited : Lines[i].Bead;
            lines[i] = lines[i] with { Bead = bead };
            if (bead is not null && LineById[bead.Id] == i) beads.Add(bead);
        }
        return new JsonlFile(DisplayName, rendered, lines, new Dictionary<string, int>(LineById, StringComparer.Ordinal), beads, [.. Problems]);
    }

    /// <summary>
    /// Lines that are byte-identical to a later line of the same bead: dropping them changes
    /// nothing a reader sees (the last line wins either way).
    /// </summary>
    public IEnumerable<int> RedundantCopies()
    {
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < Lines.Count; i++)
        {
            if (Lines[i].Bead is null) continue;
            var text = LineText(i);
            if (seen.TryGetValue(text, out var earlier)) yield return earlier;
            seen[text] = i;
        }
    }

    /// <summary>The raw text of a line (BOM stripped) for editing as a JSON node.</summary>
    public string LineText(int index)
    {
        var raw = RawLine(index);
        if (index == 0 && raw.StartsWith(Utf8Bom)) raw = raw[Utf8Bom.Length..];
        return Encoding.UTF8.GetString(raw);
    }
}
