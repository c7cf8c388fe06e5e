using Gemba.Sessions;
using Gemba.Silo.Orchestration.Native;

namespace Gemba.Adapters.Tests.Native;

/// <summary>The exact text of a first prompt.</summary>
public sealed class AgentPromptTests
{
    private static readonly BeadAssignment Bead = new("gm-1", "Fix it", "Fix the bug.\n\n", [], [], "c");

    [Fact]
    public void Parts_are_trimmed_and_separated_by_one_blank_line_in_persona_preamble_bead_order() =>
        Assert.Equal("Persona.\n\nPreamble.\n\nFix the bug.", AgentPrompt.Compose("  Persona.\n", "\nPreamble.", Bead));

    [Fact]
    public void Missing_or_blank_parts_are_left_out() =>
        Assert.Equal("Preamble.\n\nFix the bug.", AgentPrompt.Compose(null, "Preamble.", Bead) is var a && AgentPrompt.Compose(" \n", "Preamble.", Bead) == a ? a : "differs");

    [Fact]
    public void A_bead_without_a_prompt_is_named_by_id_and_title() =>
        Assert.Equal("Work on bead gm-1: Fix it", AgentPrompt.Bead(Bead with { Prompt = "\n" }));
}
