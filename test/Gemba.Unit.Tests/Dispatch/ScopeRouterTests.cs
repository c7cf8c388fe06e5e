using Gemba.Grains.Dispatch;

namespace Gemba.Unit.Tests.Dispatch;

public sealed class ScopeRouterTests
{
    private static readonly Dictionary<string, string> Prefixes = new()
    {
        ["gm"] = "gemba",
        ["gm-ui"] = "frontend",
        ["bd-"] = "beads",
    };

    [Fact]
    public void Native_install_is_always_local() =>
        Assert.Equal("local", new ScopeRouter(true, Prefixes).Resolve(Traits.Of("xyz-1", rig: "gemba")));

    [Fact]
    public void Rig_label_wins_on_gas_town() =>
        Assert.Equal("beads", new ScopeRouter(false, Prefixes).Resolve(Traits.Of("gm-12", rig: "beads")));

    [Theory]
    [InlineData("gm-12", "gemba")]
    [InlineData("gm-ui-7", "frontend")]
    [InlineData("gm-ui-7.2", "frontend")]
    [InlineData("bd-a1b2", "beads")]
    [InlineData("gm-s47n.20", "gemba")]
    public void Bead_id_prefix_picks_the_rig_longest_first(string id, string rig) =>
        Assert.Equal(rig, new ScopeRouter(false, Prefixes).Resolve(Traits.Of(id)));

    [Theory]
    [InlineData("zz-1")]
    [InlineData("gmx-1")]
    [InlineData("nodash")]
    public void Unknown_prefix_routes_nowhere(string id) =>
        Assert.Null(new ScopeRouter(false, Prefixes).Resolve(Traits.Of(id)));
}
