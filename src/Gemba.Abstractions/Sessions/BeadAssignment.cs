namespace Gemba.Sessions;

/// <summary>What a member is told to work on. <see cref="ClaimToken"/> fences late signals.</summary>
[GenerateSerializer, Immutable, Alias("gemba.BeadAssignment")]
public sealed record BeadAssignment(
    string BeadId,
    string Title,
    string Prompt,
    IReadOnlyList<string> Concepts,
    IReadOnlyList<string> Files,
    string ClaimToken);
