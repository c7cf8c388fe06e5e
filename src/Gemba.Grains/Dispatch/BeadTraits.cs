using Gemba.Beads;

namespace Gemba.Grains.Dispatch;

/// <summary>
/// What dispatch reads off a bead: routing hints, concepts and conflict keys. Concepts are the
/// bead's plain labels plus frontmatter <c>concepts:</c>; files come from <c>files:</c>; the
/// workspace from <c>repo:</c>/<c>branch:</c>/<c>worktree:</c> frontmatter or the same metadata keys.
/// </summary>
public sealed record BeadTraits(
    string BeadId,
    string Title,
    string Kind,
    int Priority,
    string? Persona,
    string? Rig,
    IReadOnlyList<string> Concepts,
    IReadOnlyList<string> Files,
    string? Repository,
    string? Branch,
    string? Worktree,
    IReadOnlyDictionary<string, string> FrontmatterValues)
{
    private const string PersonaLabel = "persona:";
    private const string RigLabel = "rig:";

    public static BeadTraits From(Bead bead)
    {
        var front = Dispatch.Frontmatter.Parse(bead.Description);
        string? Pick(string key) =>
            front.TryGetValue(key, out var v) && v.Length > 0 ? v
            : bead.Metadata.TryGetValue(key, out var m) && m.Length > 0 ? m
            : null;

        var persona = Pick("persona")
            ?? bead.Labels.FirstOrDefault(l => l.StartsWith(PersonaLabel, StringComparison.Ordinal))?[PersonaLabel.Length..];
        var rig = bead.Labels.FirstOrDefault(l => l.StartsWith(RigLabel, StringComparison.Ordinal))?[RigLabel.Length..];

        var concepts = new List<string>();
        foreach (var label in bead.Labels)
        {
            if (label.Contains(':')) continue; // system labels (persona:, rig:, gemba:, milestone:) are not concepts
            AddDistinct(concepts, label.Trim().ToLowerInvariant());
        }
        if (front.TryGetValue("concepts", out var c))
            foreach (var item in Dispatch.Frontmatter.SplitList(c)) AddDistinct(concepts, item.ToLowerInvariant());

        var files = front.TryGetValue("files", out var f) ? Dispatch.Frontmatter.SplitList(f) : [];

        return new BeadTraits(bead.Id, bead.Title, bead.IssueType, bead.Priority,
            string.IsNullOrWhiteSpace(persona) ? null : persona.Trim(),
            string.IsNullOrWhiteSpace(rig) ? null : rig.Trim(),
            concepts, files, Pick("repo"), Pick("branch"), Pick("worktree"), front);
    }

    private static void AddDistinct(List<string> list, string value)
    {
        if (value.Length > 0 && !list.Contains(value, StringComparer.Ordinal)) list.Add(value);
    }
}
