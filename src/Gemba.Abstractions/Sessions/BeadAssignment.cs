namespace Gemba.Sessions;

/// <summary>What a member is told to work on. <see cref="ClaimToken"/> fences late signals.</summary>
/// <param name="Repository">The bead's <c>repo:</c> (frontmatter or metadata), for workspace affinity.</param>
/// <param name="Branch">The bead's declared <c>branch:</c>; the native plane works on it instead of <c>bead/&lt;id&gt;</c>.</param>
/// <param name="Worktree">The bead's declared <c>worktree:</c> path, when it names one.</param>
[GenerateSerializer, Immutable, Alias("gemba.BeadAssignment")]
public sealed record BeadAssignment(
    string BeadId,
    string Title,
    string Prompt,
    IReadOnlyList<string> Concepts,
    IReadOnlyList<string> Files,
    string ClaimToken,
    string? Repository = null,
    string? Branch = null,
    string? Worktree = null);
