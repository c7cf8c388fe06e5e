using System.Text.Json.Nodes;

namespace Gemba.Silo.WorkPlanes;

/// <summary>
/// The recent versions of every bead line gemba rewrote, so that a program which rewrites the file
/// from a stale copy (an editor's save, a script's read-modify-rename) does not silently revert a
/// claim or close. When a fresh read shows a line that equals one of our earlier versions of it, the
/// writer worked from a stale copy and our latest version is put back; when it differs, the keys the
/// writer changed (against the version it most likely started from) are merged onto ours, the
/// writer winning where both changed a key. A line changed on top of our latest version is the
/// writer's deliberate edit: it stands and we forget our history of that bead.
/// </summary>
internal sealed class JsonlOwnEdits(TimeSpan window)
{
    private const int MaxVersions = 8;

    private readonly Lock _lock = new();
    private readonly Dictionary<string, List<Version>> _chains = new(StringComparer.Ordinal);

    /// <param name="Text">The line, or null for "not in the file" (before we carried it in).</param>
    private sealed record Version(string? Text, DateTimeOffset At);

    public bool IsEmpty
    {
        get { lock (_lock) return _chains.Count == 0; }
    }

    /// <summary>Remembers that we replaced <paramref name="before"/> with <paramref name="after"/> in bead <paramref name="id"/>'s line.</summary>
    public void Record(string id, string before, string after, DateTimeOffset at)
    {
        lock (_lock)
        {
            if (!_chains.TryGetValue(id, out var chain)) _chains[id] = chain = [];
            if (chain.Count == 0 || chain[^1].Text != before) chain.Add(new Version(before, at));
            chain.Add(new Version(after, at));
            if (chain.Count > MaxVersions) chain.RemoveRange(0, chain.Count - MaxVersions);
        }
    }

    /// <summary>
    /// Remembers a bead line we carried over from a file we replaced (appended there by another
    /// program): a stale copy saved later that lacks it gets it appended again.
    /// </summary>
    public void RecordCarried(string id, string text, DateTimeOffset at)
    {
        lock (_lock)
        {
            if (_chains.ContainsKey(id)) return;
            _chains[id] = [new Version(null, at), new Version(text, at)];
        }
    }

    /// <summary>Whether <paramref name="text"/> is a version of bead <paramref name="id"/>'s line that we already put in the file.</summary>
    public bool IsKnownVersion(string id, string text)
    {
        lock (_lock) return _chains.TryGetValue(id, out var chain) && chain.Any(v => v.Text == text);
    }

    /// <summary>Puts our latest versions back where the session's file reverted them; returns how many lines it restored.</summary>
    public int Rebase(JsonlEditSession session)
    {
        var restored = 0;
        lock (_lock)
        {
            Expire(session.Now);
            foreach (var (id, chain) in _chains.ToList())
            {
                if (chain[^1].Text is not { } latest) continue;
                if (session.LineTextOf(id) is not { } current)
                {
                    // Gone: a stale copy from before we carried the line in loses it again; any other
                    // removal of a bead (or a line that no longer reads) is the writer's call.
                    if (chain.Take(chain.Count - 1).Any(v => v.Text is null))
                    {
                        session.Append(System.Text.Encoding.UTF8.GetBytes(latest + "\n"));
                        restored++;
                    }
                    continue;
                }
                if (current == latest) continue;
                if (chain.Take(chain.Count - 1).Any(v => v.Text == current))
                {
                    session.ReplaceLine(id, latest);
                    restored++;
                    continue;
                }
                var merged = Merge(chain, current);
                if (merged is null)
                {
                    _chains.Remove(id);
                    continue;
                }
                session.ReplaceLine(id, merged);
                restored++;
            }
        }
        return restored;
    }

    private void Expire(DateTimeOffset now)
    {
        foreach (var (id, chain) in _chains.ToList())
            if (now - chain[^1].At > window) _chains.Remove(id);
    }

    /// <summary>Our latest version with the writer's own changes laid over it, or null when the writer built on our latest.</summary>
    private static string? Merge(List<Version> chain, string theirsText)
    {
        if (JsonNode.Parse(theirsText) is not JsonObject theirs) return null;
        var versions = chain.Select(v => v.Text is null ? null : JsonNode.Parse(v.Text) as JsonObject).ToList();
        if (versions[^1] is not { } ours) return null;

        // The writer's starting point is the version that agrees with its line on the most keys;
        // a tie goes to the newest, so an edit of our latest version is never undone.
        var best = -1;
        var bestScore = -1;
        for (var i = 0; i < versions.Count; i++)
        {
            if (versions[i] is not { } candidate) continue;
            var score = Agreement(candidate, theirs);
            if (score >= bestScore)
            {
                best = i;
                bestScore = score;
            }
        }
        if (best == versions.Count - 1) return null;
        var baseline = versions[best]!;

        var result = new JsonObject();
        foreach (var (key, value) in theirs)
        {
            var changedByThem = !baseline.TryGetPropertyValue(key, out var was) || !JsonNode.DeepEquals(was, value);
            var pick = changedByThem || !ours.TryGetPropertyValue(key, out var mine) ? value : mine;
            if (!changedByThem && !ours.ContainsKey(key)) continue; // we removed it and they did not touch it
            result[key] = pick?.DeepClone();
        }
        foreach (var (key, value) in ours)
        {
            if (theirs.ContainsKey(key)) continue;
            // absent in theirs: they removed it if their starting point had it, else it is ours to keep
            if (!baseline.ContainsKey(key)) result[key] = value?.DeepClone();
        }
        return result.ToJsonString(JsonlEditSession.WriteOptions);
    }

    private static int Agreement(JsonObject a, JsonObject b)
    {
        var score = 0;
        foreach (var (key, value) in a)
            if (b.TryGetPropertyValue(key, out var other) && JsonNode.DeepEquals(value, other)) score++;
        foreach (var key in b.Select(p => p.Key))
            if (!a.ContainsKey(key)) score--;
        return score;
    }
}
