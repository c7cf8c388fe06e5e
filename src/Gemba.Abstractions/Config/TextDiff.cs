namespace Gemba.Config;

/// <summary>
/// A line diff (longest common subsequence) for the editor's "what will be written" view. Config
/// files are small; past <see cref="MaxLines"/> lines on either side the diff degrades to "every
/// old line removed, every new line added" rather than spending quadratic memory.
/// </summary>
public static class TextDiff
{
    public const int MaxLines = 4000;

    public static IReadOnlyList<DiffLine> Lines(string oldText, string newText)
    {
        var a = Split(oldText);
        var b = Split(newText);
        // Common head and tail are cheap to peel off and usually most of a config edit.
        var head = 0;
        while (head < a.Length && head < b.Length && a[head] == b[head]) head++;
        var tail = 0;
        while (tail < a.Length - head && tail < b.Length - head && a[^(tail + 1)] == b[^(tail + 1)]) tail++;

        var result = new List<DiffLine>(Math.Max(a.Length, b.Length) + 8);
        for (var i = 0; i < head; i++) result.Add(new DiffLine(DiffOp.Same, a[i], i + 1, i + 1));
        Middle(a, b, head, a.Length - tail, head, b.Length - tail, result);
        for (var k = tail; k > 0; k--)
        {
            int i = a.Length - k, j = b.Length - k;
            result.Add(new DiffLine(DiffOp.Same, a[i], i + 1, j + 1));
        }
        return result;
    }

    public static bool HasChanges(IReadOnlyList<DiffLine> diff) => diff.Any(d => d.Op != DiffOp.Same);

    private static void Middle(string[] a, string[] b, int a0, int a1, int b0, int b1, List<DiffLine> result)
    {
        int n = a1 - a0, m = b1 - b0;
        if (n > MaxLines || m > MaxLines)
        {
            for (var i = a0; i < a1; i++) result.Add(new DiffLine(DiffOp.Removed, a[i], i + 1, null));
            for (var j = b0; j < b1; j++) result.Add(new DiffLine(DiffOp.Added, b[j], null, j + 1));
            return;
        }
        // lcs[i, j] = length of the LCS of a[a0+i..a1) and b[b0+j..b1).
        var lcs = new int[n + 1, m + 1];
        for (var i = n - 1; i >= 0; i--)
            for (var j = m - 1; j >= 0; j--)
                lcs[i, j] = a[a0 + i] == b[b0 + j] ? lcs[i + 1, j + 1] + 1 : Math.Max(lcs[i + 1, j], lcs[i, j + 1]);

        int x = 0, y = 0;
        while (x < n || y < m)
        {
            if (x < n && y < m && a[a0 + x] == b[b0 + y])
            {
                result.Add(new DiffLine(DiffOp.Same, a[a0 + x], a0 + x + 1, b0 + y + 1));
                x++;
                y++;
            }
            else if (x < n && (y == m || lcs[x + 1, y] >= lcs[x, y + 1]))
            {
                // Removals before additions, as a reader of a diff expects.
                result.Add(new DiffLine(DiffOp.Removed, a[a0 + x], a0 + x + 1, null));
                x++;
            }
            else
            {
                result.Add(new DiffLine(DiffOp.Added, b[b0 + y], null, b0 + y + 1));
                y++;
            }
        }
    }

    /// <summary>Lines without their terminators; a final newline does not make an extra empty line.</summary>
    private static string[] Split(string text)
    {
        if (text.Length == 0) return [];
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        return text.EndsWith('\n') ? lines[..^1] : lines;
    }
}
