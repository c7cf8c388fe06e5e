using Gemba.Config;
using Gemba.Grains.Dispatch;

namespace Gemba.Unit.Tests.Dispatch;

public sealed class PersonaRouterTests
{
    private static readonly RoutingTable Routing = new(new Dictionary<string, string> { ["bug"] = "fixer", ["task"] = "engineer" }, "generalist");

    [Fact]
    public void Bead_persona_wins_over_routing() =>
        Assert.Equal("pm", PersonaRouter.Resolve(Traits.Of("gm-1", kind: "bug", persona: "pm"), Routing));

    [Fact]
    public void Kind_rule_applies_when_bead_names_none() =>
        Assert.Equal("fixer", PersonaRouter.Resolve(Traits.Of("gm-1", kind: "bug"), Routing));

    [Fact]
    public void Default_persona_catches_unrouted_kinds() =>
        Assert.Equal("generalist", PersonaRouter.Resolve(Traits.Of("gm-1", kind: "chore"), Routing));

    [Fact]
    public void Nothing_matches_gives_null() =>
        Assert.Null(PersonaRouter.Resolve(Traits.Of("gm-1", kind: "chore"), RoutingTable.Empty));

    [Fact]
    public void Persona_label_is_read_from_the_bead()
    {
        var bead = new Gemba.Beads.Bead { Id = "gm-2", IssueType = "bug", Labels = ["persona:reviewer", "auth"] };
        Assert.Equal("reviewer", PersonaRouter.Resolve(BeadTraits.From(bead), Routing));
    }
}
