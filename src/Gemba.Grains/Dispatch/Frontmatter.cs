namespace Gemba.Grains.Dispatch;

/// <summary>
/// The <c>---</c>-fenced <c>key: value</c> block at the top of a bead description
/// (original §5: keys lower-cased, lines without ':' and empty keys or values skipped).
/// </summary>
public static class Frontmatter
{
    private static readonly IReadOnlyDictionary<string, string> None = new Dictionary<string, string>();

    public static IReadOnlyDictionary<string, string> Parse(string? description)
    {
        if (string.IsNullOrEmpty(description)) return None;
        var text = description.Replace("\r\n", "\n", StringComparison.Ordinal).TrimStart('\n', ' ');
        if (!text.StartsWith("---\n", StringComparison.Ordinal)) return None;
        var end = text.IndexOf("\n---", 3, StringComparison.Ordinal);
        // end == 3 is an empty block ("---\n---"): slicing it would throw.
        if (end < 4) return None;
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in text[4..end].Split('\n'))
        {
            var colon = line.IndexOf(':');
            if (colon <= 0) continue;
            var key = line[..colon].Trim().ToLowerInvariant();
            var value = line[(colon + 1)..].Trim();
            if (key.Length == 0 || value.Length == 0) continue;
            result[key] = value;
        }
        return result;
    }

    /// <summary>Comma-separated list, tolerant of surrounding brackets and quotes.</summary>
    public static IReadOnlyList<string> SplitList(string value) =>
        value.Trim().TrimStart('[').TrimEnd(']')
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => s.Trim('"', '\''))
            .Where(s => s.Length > 0)
            .ToArray();
}
