namespace Gemba.Config;

/// <summary>One persona file of the personas directory, as the pool editor lists it.</summary>
/// <param name="Id">The file stem: what pools and routing rules name.</param>
/// <param name="Name">Display name; the id when the file gives none.</param>
public sealed record PersonaInfo(string Id, string Name, string? AgentType, IReadOnlyList<string> Skills, string? Prompt);
