namespace Gemba.Grains.Dispatch;

/// <summary>
/// Answers "does this bead conflict with one already held?" (DESIGN §4.3) without comparing pairs:
/// repository+branch and worktree are hash keys, file targets live in a path-segment trie.
/// Conflicting targets: equal concrete paths, a concrete path matched by a glob, or two globs
/// where one's literal directory prefix contains the other's (conservative: they could meet).
/// </summary>
public sealed class ConflictIndex
{
    private readonly Dictionary<(string Repo, string Branch), Owners> _byBranch = new();
    private readonly Dictionary<string, Owners> _byWorktree = new(StringComparer.Ordinal);
    private readonly Node _files = new();

    public int Count { get; private set; }

    public void Add(string beadId, BeadTraits traits)
    {
        Count++;
        if (BranchKey(traits) is { } branch) Owners.Add(_byBranch, branch, beadId, "");
        if (WorktreeKey(traits) is { } worktree) Owners.Add(_byWorktree, worktree, beadId, "");
        foreach (var file in traits.Files)
        {
            var target = Target.Parse(file);
            if (target is null) continue;
            var node = _files;
            var depth = target.IsGlob ? target.PrefixLength : target.Segments.Length;
            for (var i = 0; i < depth; i++)
            {
                if (target.IsGlob) (node.SubtreeGlobs ??= new Owners()).Add(beadId, target.Text);
                node = node.Child(target.Segments[i]);
            }
            if (target.IsGlob)
            {
                (node.SubtreeGlobs ??= new Owners()).Add(beadId, target.Text);
                (node.Globs ??= []).Add(new GlobEntry(beadId, target));
            }
            else (node.Exact ??= []).Add((beadId, target.Text));
        }
    }

    /// <summary>Why <paramref name="traits"/> conflicts with an indexed bead other than itself, or null.</summary>
    public string? FindConflict(BeadTraits traits)
    {
        var self = traits.BeadId;
        if (BranchKey(traits) is { } branch && _byBranch.TryGetValue(branch, out var sameBranch) && sameBranch.Other(self) is { } b)
            return $"same repo+branch as {b.Bead} ({branch.Repo}@{branch.Branch})";
        if (WorktreeKey(traits) is { } worktree && _byWorktree.TryGetValue(worktree, out var sameTree) && sameTree.Other(self) is { } w)
            return $"same worktree as {w.Bead} ({worktree})";
        foreach (var file in traits.Files)
        {
            var target = Target.Parse(file);
            if (target is null) continue;
            var hit = target.IsGlob ? FindForGlob(target, self) : FindForPath(target, self);
            if (hit is { } h) return $"overlapping files with {h.Bead} ({h.Label})";
        }
        return null;
    }

    private static (string Repo, string Branch)? BranchKey(BeadTraits t) =>
        string.IsNullOrWhiteSpace(t.Repository) || string.IsNullOrWhiteSpace(t.Branch) ? null : (t.Repository.Trim(), t.Branch.Trim());

    private static string? WorktreeKey(BeadTraits t) =>
        string.IsNullOrWhiteSpace(t.Worktree) ? null : PathText.Normalise(t.Worktree);

    private Owner? FindForPath(Target path, string self)
    {
        var node = _files;
        for (var i = 0; ; i++)
        {
            if (node.Globs is not null)
                foreach (var g in node.Globs)
                    if (g.Bead != self && Glob.Match(g.Target.Segments, path.Segments)) return new Owner(g.Bead, g.Target.Text);
            if (i == path.Segments.Length) return FirstOther(node.Exact, self);
            if (node.Children is null || !node.Children.TryGetValue(path.Segments[i], out var child)) return null;
            node = child;
        }
    }

    private Owner? FindForGlob(Target glob, string self)
    {
        // Globs whose literal prefix is an ancestor of ours, or lies anywhere below it, could meet ours.
        var node = _files;
        for (var i = 0; ; i++)
        {
            if (i == glob.PrefixLength)
            {
                if (node.SubtreeGlobs?.Other(self) is { } below) return below;
                break;
            }
            if (node.Globs is not null)
                foreach (var g in node.Globs)
                    if (g.Bead != self) return new Owner(g.Bead, g.Target.Text);
            if (node.Children is null || !node.Children.TryGetValue(glob.Segments[i], out var child)) break;
            node = child;
        }
        var seen = glob.Segments.Count(s => s == Glob.AnyDepth) > 1 ? new HashSet<(Node, int)>() : null;
        return MatchConcrete(_files, glob.Segments, 0, self, seen);
    }

    /// <summary>Walks the trie with the glob so only branches it can match are visited.</summary>
    private static Owner? MatchConcrete(Node node, string[] pattern, int pi, string self, HashSet<(Node, int)>? seen)
    {
        if (pi == pattern.Length) return FirstOther(node.Exact, self);
        var segment = pattern[pi];
        if (segment == Glob.AnyDepth)
        {
            if (seen is not null && !seen.Add((node, pi))) return null;
            if (MatchConcrete(node, pattern, pi + 1, self, seen) is { } here) return here;
            if (node.Children is null) return null;
            foreach (var child in node.Children.Values)
                if (MatchConcrete(child, pattern, pi, self, seen) is { } deeper) return deeper;
            return null;
        }
        if (node.Children is null) return null;
        if (!Glob.HasWildcard(segment))
            return node.Children.TryGetValue(segment, out var exact) ? MatchConcrete(exact, pattern, pi + 1, self, seen) : null;
        foreach (var (name, child) in node.Children)
            if (Glob.MatchSegment(segment, name) && MatchConcrete(child, pattern, pi + 1, self, seen) is { } hit) return hit;
        return null;
    }

    private static Owner? FirstOther(List<(string Bead, string Text)>? entries, string self)
    {
        if (entries is null) return null;
        foreach (var (bead, text) in entries)
            if (bead != self) return new Owner(bead, text);
        return null;
    }

    private readonly record struct Owner(string Bead, string Label);

    /// <summary>The first two distinct beads under a key: enough to name one that is not the asker.</summary>
    private sealed class Owners
    {
        private Owner? _first, _second;

        public static void Add<TKey>(Dictionary<TKey, Owners> map, TKey key, string bead, string label) where TKey : notnull
        {
            if (!map.TryGetValue(key, out var owners)) map[key] = owners = new Owners();
            owners.Add(bead, label);
        }

        public void Add(string bead, string label)
        {
            if (_first is null) _first = new Owner(bead, label);
            else if (_second is null && _first.Value.Bead != bead) _second = new Owner(bead, label);
        }

        public Owner? Other(string self) =>
            _first is { } f && f.Bead != self ? f : _second is { } s && s.Bead != self ? s : null;
    }

    private sealed class Node
    {
        public Dictionary<string, Node>? Children;
        public List<(string Bead, string Text)>? Exact;
        public List<GlobEntry>? Globs;
        /// <summary>Globs whose literal prefix ends at or below this node.</summary>
        public Owners? SubtreeGlobs;

        public Node Child(string segment)
        {
            Children ??= new Dictionary<string, Node>(StringComparer.Ordinal);
            if (!Children.TryGetValue(segment, out var child)) Children[segment] = child = new Node();
            return child;
        }
    }

    private sealed record GlobEntry(string Bead, Target Target);

    private sealed record Target(string Text, string[] Segments, int PrefixLength, bool IsGlob)
    {
        public static Target? Parse(string raw)
        {
            var text = PathText.NormaliseTarget(raw);
            if (text.Length == 0) return null;
            var segments = text.Split('/');
            var prefix = Glob.LiteralPrefixLength(segments);
            return new Target(text, segments, prefix, prefix < segments.Length);
        }
    }
}
