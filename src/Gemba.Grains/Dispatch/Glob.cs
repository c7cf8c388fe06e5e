namespace Gemba.Grains.Dispatch;

/// <summary>
/// The glob dialect of <c>files:</c> targets: <c>*</c> and <c>?</c> within a segment, <c>[abc]</c>,
/// <c>[a-z]</c> and <c>[!x]</c> classes, and <c>**</c> as a whole segment for any depth (zero included).
/// </summary>
public static class Glob
{
    public const string AnyDepth = "**";

    public static bool HasWildcard(string segment) => segment.AsSpan().IndexOfAny('*', '?', '[') >= 0;

    /// <summary>Number of leading segments without wildcards: the part of the tree the glob is confined to.</summary>
    public static int LiteralPrefixLength(IReadOnlyList<string> segments)
    {
        var i = 0;
        while (i < segments.Count && !HasWildcard(segments[i])) i++;
        return i;
    }

    public static bool Match(IReadOnlyList<string> pattern, IReadOnlyList<string> path) => Match(pattern, 0, path, 0);

    private static bool Match(IReadOnlyList<string> pattern, int pi, IReadOnlyList<string> path, int si)
    {
        while (pi < pattern.Count)
        {
            if (pattern[pi] == AnyDepth)
            {
                while (pi + 1 < pattern.Count && pattern[pi + 1] == AnyDepth) pi++;
                if (pi == pattern.Count - 1) return true;
                for (var k = si; k <= path.Count; k++)
                    if (Match(pattern, pi + 1, path, k)) return true;
                return false;
            }
            if (si >= path.Count || !MatchSegment(pattern[pi], path[si])) return false;
            pi++;
            si++;
        }
        return si == path.Count;
    }

    /// <summary>One segment against one name: the classic single-star backtracking matcher.</summary>
    public static bool MatchSegment(ReadOnlySpan<char> pattern, ReadOnlySpan<char> text)
    {
        int p = 0, t = 0, starP = -1, starT = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && pattern[p] == '*')
            {
                starP = p++;
                starT = t;
                continue;
            }
            if (p < pattern.Length && MatchOne(pattern, p, text[t], out var next))
            {
                p = next;
                t++;
                continue;
            }
            if (starP < 0) return false;
            p = starP + 1;
            t = ++starT;
        }
        while (p < pattern.Length && pattern[p] == '*') p++;
        return p == pattern.Length;
    }

    private static bool MatchOne(ReadOnlySpan<char> pattern, int p, char c, out int next)
    {
        next = p + 1;
        switch (pattern[p])
        {
            case '?':
                return true;
            case '[':
                var close = pattern[(p + 1)..].IndexOf(']');
                // "[]...]" would need a literal ']' first; without a closing bracket '[' is literal.
                if (close <= 0) return c == '[';
                var set = pattern.Slice(p + 1, close);
                next = p + close + 2;
                var negate = set[0] is '!' or '^';
                if (negate) set = set[1..];
                var hit = false;
                for (var i = 0; i < set.Length && !hit; i++)
                {
                    if (i + 2 < set.Length && set[i + 1] == '-')
                    {
                        hit = c >= set[i] && c <= set[i + 2];
                        i += 2;
                    }
                    else hit = c == set[i];
                }
                return hit != negate;
            default:
                return pattern[p] == c;
        }
    }
}
