using System.Collections.Immutable;
using Gemba.Grains.Dispatch.Placement;

namespace Gemba.Unit.Tests.Dispatch;

public sealed class ScopeSpreadTests
{
    private static readonly string[] Three = ["127.0.0.1:11112@9", "127.0.0.1:11111@9", "127.0.0.1:11113@9"];

    [Fact]
    public void Hash_is_fnv1a_so_every_process_computes_the_same_one()
    {
        // Published FNV-1a 32-bit vectors: a per-process string hash would fail these.
        Assert.Equal(0x811c9dc5u, ScopeSpread.Hash(""));
        Assert.Equal(0xe40c292cu, ScopeSpread.Hash("a"));
        Assert.Equal(0xbf9cf968u, ScopeSpread.Hash("foobar"));
    }

    [Fact]
    public void The_choice_does_not_depend_on_the_order_silos_are_listed_in()
    {
        foreach (var scope in new[] { "local", "alpha", "beta", "gamma", "delta" })
        {
            var expected = ScopeSpread.Choose(scope, Three);
            Assert.Equal(expected, ScopeSpread.Choose(scope, Three.Reverse()));
            Assert.Equal(expected, ScopeSpread.Choose(scope, [Three[2], Three[0], Three[1], Three[0]]));
        }
    }

    [Fact]
    public void The_choice_is_the_hash_index_into_the_ordinal_order()
    {
        var ordered = ScopeSpread.Order(Three);
        Assert.Equal(["127.0.0.1:11111@9", "127.0.0.1:11112@9", "127.0.0.1:11113@9"], ordered);
        Assert.Equal(ordered[(int)(ScopeSpread.Hash("alpha") % 3)], ScopeSpread.Choose("alpha", Three));
    }

    [Fact]
    public void One_silo_hosts_every_scope_as_an_embedded_server_does()
    {
        foreach (var scope in new[] { "local", "alpha", "beta", "" })
            Assert.Equal("127.0.0.1:11111@1", ScopeSpread.Choose(scope, ["127.0.0.1:11111@1"]));
    }

    [Fact]
    public void No_silo_means_no_choice() => Assert.Null(ScopeSpread.Choose("local", []));

    [Fact]
    public void Many_scopes_use_every_silo()
    {
        var hosts = Enumerable.Range(1, 30).Select(i => ScopeSpread.Choose($"rig{i}", Three)).GroupBy(h => h).ToDictionary(g => g.Key!, g => g.Count());
        Assert.Equal(3, hosts.Count);
        Assert.All(hosts.Values, n => Assert.InRange(n, 4, 16));
    }

    [Fact]
    public void The_home_silo_is_chosen_among_the_silos_membership_counts_active()
    {
        var silos = Three.Select(SiloAddress.FromParsableString).ToArray();
        var dead = silos.Single(s => s.ToParsableString() == ScopeSpread.Choose("local", Three));
        var members = Snapshot(silos.Select(s => (s, s == dead ? SiloStatus.Dead : SiloStatus.Active)));

        var home = ScopeSpreadDirector.Home("local", silos, members);
        // The same rule as over the live silos' texts: the dead one is never chosen.
        Assert.Equal(ScopeSpread.Choose("local", silos.Where(s => s != dead).Select(s => s.ToParsableString())), home?.ToParsableString());
        // A silo membership does not know yet (just joined the manifest) is not chosen either.
        var unknown = Snapshot(silos.Where(s => s != dead).Select(s => (s, SiloStatus.Active)));
        Assert.Equal(home, ScopeSpreadDirector.Home("local", silos, unknown));
        // While membership counts none active (a silo's first moments), the candidates themselves decide.
        Assert.Equal(dead, ScopeSpreadDirector.Home("local", silos, Snapshot([])));
        Assert.Null(ScopeSpreadDirector.Home("local", [], members));
    }

    private static ClusterMembershipSnapshot Snapshot(IEnumerable<(SiloAddress Silo, SiloStatus Status)> members) =>
        new(members.ToImmutableDictionary(m => m.Silo, m => new ClusterMember(m.Silo, m.Status, m.Silo.ToString())), new MembershipVersion(1));

    [Fact]
    public void Count_must_be_positive() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => ScopeSpread.Index("local", 0));
}
