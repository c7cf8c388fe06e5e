using Gemba.Config;

namespace Gemba.Unit.Tests.Config;

public sealed class PoolChangesTests
{
    private static ResolvedPool Pool(string persona, int size, double floor = 0.5, int recycle = 5) =>
        new("local", persona, "claude", size, size, floor, recycle, 30, 0, 0, false);

    private static ResolvedConfig Config(params ResolvedPool[] pools) => new(pools, RoutingTable.Empty, 0, 1, 1);

    [Fact]
    public void Growth_shrinkage_floor_and_other_knobs_are_reported_per_pool()
    {
        var changes = PoolChanges.Between(
            Config(Pool("engineer", 2), Pool("pm", 3), Pool("docs", 1)),
            Config(Pool("engineer", 3, floor: 0.4), Pool("pm", 1, recycle: 2), Pool("qa", 1)));

        Assert.Equal(
            [
                "engineer grown: size 2 → 3",
                "engineer re_floored: floor 0.5 → 0.4",
                "pm shrunk: size 3 → 1",
                "pm retuned: recycle_after_beads 5 → 2",
                "qa added: size 1, floor 0.5, agent claude",
                "docs removed: was size 1; its members drain",
            ],
            changes.Select(c => $"{c.Persona} {c.Kind}: {c.Detail}"));
    }

    [Fact]
    public void The_same_config_changes_nothing()
    {
        Assert.Empty(PoolChanges.Between(Config(Pool("engineer", 2)), Config(Pool("engineer", 2))));
    }
}
