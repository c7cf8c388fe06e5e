using Gemba.Sessions;

namespace Gemba.Silo.Orchestration.Native;

/// <summary>
/// What is pasted into a pane. A fresh context (a new member, or one just cleared by a recycle) gets
/// the full composition: the persona's <c>prompt</c>, the agent's <c>preamble_text</c>, then the bead,
/// each trimmed and separated by one blank line, a missing or blank part left out. A warm member
/// gets the bead alone: it already has the rest.
/// </summary>
internal static class AgentPrompt
{
    public const string Separator = "\n\n";

    public static string Bead(BeadAssignment assignment)
    {
        var text = assignment.Prompt.Trim('\r', '\n');
        return text.Trim().Length == 0 ? $"Work on bead {assignment.BeadId}: {assignment.Title}" : text;
    }

    public static string Compose(string? personaPrompt, string? preamble, BeadAssignment assignment) =>
        string.Join(Separator, new[] { personaPrompt, preamble, Bead(assignment) }
            .Select(part => part?.Trim() ?? "")
            .Where(part => part.Length > 0));
}
