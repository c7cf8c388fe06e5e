using Gemba.Grains.Dispatch;

namespace Gemba.Unit.Tests.Dispatch;

/// <summary>Terse construction of <see cref="BeadTraits"/> for tests.</summary>
internal static class Traits
{
    public static BeadTraits Of(
        string id,
        string[]? concepts = null,
        string[]? files = null,
        string kind = "task",
        int priority = 2,
        string? persona = null,
        string? rig = null,
        string? repo = null,
        string? branch = null,
        string? worktree = null) =>
        new(id, id, kind, priority, persona, rig, concepts ?? [], files ?? [], repo, branch, worktree,
            new Dictionary<string, string>());
}
