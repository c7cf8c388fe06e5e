using Gemba.Beads;
using Gemba.Sessions;

namespace Gemba.Grains.Dispatch;

/// <summary>The text an agent receives with a bead, ending with how to say it is done.</summary>
public static class BeadPrompt
{
    public static BeadAssignment Assignment(Bead bead, BeadTraits traits, string claimToken) =>
        new(bead.Id, bead.Title, Render(bead), traits.Concepts, traits.Files, claimToken, traits.Repository, traits.Branch, traits.Worktree);

    public static string Render(Bead bead) =>
        $"""
        Work on bead {bead.Id}: {bead.Title}

        {bead.Description.Trim()}

        When the bead is done and your worktree is clean, run: gemba-state bead-done --bead {bead.Id}
        """;
}
