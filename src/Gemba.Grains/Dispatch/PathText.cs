namespace Gemba.Grains.Dispatch;

/// <summary>
/// Path text as beads and configs write it. Purely lexical: nothing touches the filesystem, so
/// symlinks are not resolved (as in the original's path cleaning).
/// </summary>
public static class PathText
{
    /// <summary>Collapses '//' and '.' segments, resolves '..' where it can, drops a trailing '/', keeps a leading '/'.</summary>
    public static string Normalise(string path)
    {
        var text = path.Trim();
        if (text.Length == 0) return "";
        var joined = string.Join('/', Segments(text));
        if (text[0] == '/') return "/" + joined;
        return joined.Length == 0 ? "." : joined;
    }

    /// <summary>
    /// A <c>files:</c> target: repository-relative, so a leading '/' or './' means the same path;
    /// a trailing '/' names a directory and stands for everything below it.
    /// </summary>
    public static string NormaliseTarget(string target)
    {
        var text = target.Trim();
        if (IsClean(text)) return text;
        var joined = string.Join('/', Segments(text));
        if (joined.Length == 0) return "";
        return text.EndsWith('/') && !joined.EndsWith("**", StringComparison.Ordinal) ? joined + "/**" : joined;
    }

    /// <summary>Already normal: the common case, answered without splitting.</summary>
    private static bool IsClean(string t) =>
        t.Length > 0 && t[0] is not ('/' or '.') && t[^1] is not ('/' or '.')
        && !t.Contains("//", StringComparison.Ordinal) && !t.Contains("/.", StringComparison.Ordinal);

    private static List<string> Segments(string text)
    {
        var segments = new List<string>();
        foreach (var segment in text.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (segment == ".") continue;
            if (segment == ".." && segments.Count > 0 && segments[^1] != "..")
            {
                segments.RemoveAt(segments.Count - 1);
                continue;
            }
            segments.Add(segment);
        }
        return segments;
    }
}
