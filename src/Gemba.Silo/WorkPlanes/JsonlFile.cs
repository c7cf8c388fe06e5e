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

    private JsonlFile(byte[] content, List<Line> lines, Dictionary<string, int> lineById, List<Bead> beads, List<WorkPlaneProblem> problems)
    {
        Content = content;
        Lines = lines;
        LineById = lineById;
        Beads = beads;
        Problems = problems;
    }

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
        var lines = new List<Line>();
        var lineById = new Dictionary<string, int>(StringComparer.Ordinal);
        var problems = new List<WorkPlaneProblem>();
        var start = 0;
        var span = content.AsSpan();
        while (start < content.Length)
        {
            var newline = span[start..].IndexOf((byte)'\n');
            var length = newline < 0 ? content.Length - start : newline;
            var lineNumber = lines.Count + 1;
            var bead = ParseLine(span.Slice(start, length), lineNumber == 1, displayName, lineNumber, problems);
            if (bead is not null)
            {
                if (lineById.TryGetValue(bead.Id, out var earlier))
                {
                    problems.Add(new WorkPlaneProblem($"{displayName}:{lineNumber}",
                        $"duplicate id {bead.Id} (shadows line {earlier + 1})"));
                }
                lineById[bead.Id] = lines.Count;
            }
            lines.Add(new Line(start, length, newline >= 0, bead));
            start += length + (newline >= 0 ? 1 : 0);
        }

        var beads = new List<Bead>(lineById.Count);
        for (var i = 0; i < lines.Count; i++)
        {
            if (lines[i].Bead is { } bead && lineById[bead.Id] == i) beads.Add(bead);
        }
        return new JsonlFile(content, lines, lineById, beads, problems);
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
    }

    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }

    /// <summary>The file with some lines replaced; all other bytes (and every line ending) are copied as they were.</summary>
    public byte[] Render(IReadOnlyDictionary<int, string> replacements)
    {
        using var output = new MemoryStream(Content.Length + 256 * replacements.Count);
        for (var i = 0; i < Lines.Count; i++)
        {
            var line = Lines[i];
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
            if (line.HasNewline) output.WriteByte((byte)'\n');
        }
        return output.ToArray();
    }

    /// <summary>The raw text of a line (BOM stripped) for editing as a JSON node.</summary>
    public string LineText(int index)
    {
        var raw = RawLine(index);
        if (index == 0 && raw.StartsWith(Utf8Bom)) raw = raw[Utf8Bom.Length..];
        return Encoding.UTF8.GetString(raw);
    }
}
