using Gemba.Config;

namespace Gemba.Unit.Tests.Config;

public sealed class PoolConfigUpdateTests
{
    private const string Original = """
        # Pool configuration for the build host.
        [pool]
        default_persona = "engineer" # who gets unrouted work
        reserved_for_manual = 1

        # Routing: bugs go to engineers.
        [pool.routing]
        bug = "engineer"

        # The main pool.
        [pool.local.engineer]
        # keep it small
        size = 2
        floor = 0.40 # tuned by hand
        agent_type = "claude"

        [pool.local.pm]
        size = 1
        # trailing note
        """;

    private static PoolConfig Read(string text)
    {
        var doc = PoolConfigCodec.Parse(text, "pool.toml");
        Assert.False(doc.Findings.HasErrors(), string.Join("\n", doc.Findings));
        return doc.Config;
    }

    private static void AssertSameConfig(PoolConfig expected, PoolConfig actual) =>
        Assert.Equal(PoolConfigCodec.Render(expected), PoolConfigCodec.Render(actual));

    private static IEnumerable<string> Comments(string text) =>
        text.Split('\n').Select(l => l.Trim()).Where(l => l.Contains('#')).Select(l => l[l.IndexOf('#')..]);

    private static void AssertInOrder(string text, params string[] fragments)
    {
        var at = -1;
        foreach (var fragment in fragments)
        {
            var next = text.IndexOf(fragment, at + 1, StringComparison.Ordinal);
            Assert.True(next > at, $"'{fragment}' missing or out of order in:\n{text}");
            at = next;
        }
    }

    [Fact]
    public void Unchanged_config_reproduces_the_text_exactly()
    {
        Assert.Equal(Original + "\n", PoolConfigCodec.Update(Original, Read(Original)));
    }

    [Fact]
    public void Edits_keep_every_comment_in_order_and_the_key_order()
    {
        var config = Read(Original);
        config.Pools["local"]["engineer"].Size = 4;
        config.Pools["local"]["engineer"].RecycleAfterBeads = 10;
        config.DefaultFloor = 0.6;
        config.Routing["chore"] = "pm";

        var updated = PoolConfigCodec.Update(Original, config);

        AssertSameConfig(config, Read(updated));
        Assert.Equal(Comments(Original), Comments(updated));
        AssertInOrder(updated,
            "[pool]", "default_persona", "reserved_for_manual", "default_floor = 0.6",
            "[pool.routing]", "bug", "chore = \"pm\"",
            "[pool.local.engineer]", "# keep it small", "size = 4", "floor = 0.40 # tuned by hand", "agent_type", "recycle_after_beads = 10",
            "[pool.local.pm]", "size = 1", "# trailing note");
    }

    [Fact]
    public void Removed_keys_and_tables_disappear_while_other_comments_stay()
    {
        var config = Read(Original);
        config.Pools["local"].Remove("engineer");
        config.DefaultPersona = null;
        config.Routing.Clear();

        var updated = PoolConfigCodec.Update(Original, config);

        AssertSameConfig(config, Read(updated));
        Assert.Equal("""
            # Pool configuration for the build host.
            [pool]
            reserved_for_manual = 1

            # Routing: bugs go to engineers.

            # The main pool.

            [pool.local.pm]
            size = 1
            # trailing note

            """, updated);
    }

    [Fact]
    public void New_pools_are_appended_after_the_last_pool_table_and_before_foreign_tables()
    {
        const string text = "[pool.local.engineer]\nsize = 1\n\n# not ours\n[other]\nx = 1\n";
        var config = Read(text);
        config.Pool("local", "reviewer").Size = 2;

        var updated = PoolConfigCodec.Update(text, config);

        AssertSameConfig(config, Read(updated));
        AssertInOrder(updated, "[pool.local.engineer]", "size = 1", "[pool.local.reviewer]", "size = 2", "# not ours", "[other]", "x = 1");
    }

    [Fact]
    public void Changed_values_keep_their_same_line_comment_and_floats_stay_floats()
    {
        const string text = "[pool.local.engineer]\nfloor = 0.5 # why\nsize = 2\n";
        var config = Read(text);
        config.Pools["local"]["engineer"].Floor = 1.0;

        var updated = PoolConfigCodec.Update(text, config);

        Assert.Equal("[pool.local.engineer]\nfloor = 1.0 # why\nsize = 2\n", updated);
        Assert.Equal(1.0, Read(updated).Pools["local"]["engineer"].Floor);
    }

    [Fact]
    public void Integer_floor_is_rewritten_as_a_float()
    {
        const string text = "[pool.local.engineer]\nfloor = 1\n";
        Assert.Equal("[pool.local.engineer]\nfloor = 1.0\n", PoolConfigCodec.Update(text, Read(text)));
    }

    [Fact]
    public void Dotted_key_pools_gain_new_keys_next_to_their_siblings()
    {
        const string text = "[pool.local]\nengineer.size = 2 # two\n# end\n";
        var config = Read(text);
        config.Pools["local"]["engineer"].Floor = 0.3;

        var updated = PoolConfigCodec.Update(text, config);

        Assert.Equal("[pool.local]\nengineer.size = 2 # two\nengineer.floor = 0.3\n# end\n", updated);
    }

    [Fact]
    public void Missing_pool_table_is_created_before_the_pools()
    {
        const string text = "# header\n[pool.local.engineer]\nsize = 1\n";
        var config = Read(text);
        config.DefaultSize = 2;
        config.DefaultPersona = "engineer";

        var updated = PoolConfigCodec.Update(text, config);

        AssertSameConfig(config, Read(updated));
        AssertInOrder(updated, "# header", "[pool]", "default_size = 2", "default_persona", "[pool.local.engineer]");
    }

    [Fact]
    public void Unparsable_or_missing_original_gets_a_fresh_render()
    {
        var config = new PoolConfig { DefaultSize = 1 };
        Assert.Equal(PoolConfigCodec.Render(config), PoolConfigCodec.Update("[pool\n", config));
        Assert.Equal(PoolConfigCodec.Render(config), PoolConfigCodec.Update(null, config));
    }

    [Fact]
    public void Fresh_render_is_deterministic_in_the_original_order()
    {
        var config = new PoolConfig
        {
            DefaultSize = 2, DefaultPersona = "engineer", DefaultFloor = 1.0, ReservedForManual = 0,
            Routing = { ["task"] = "engineer", ["bug"] = "engineer" },
        };
        var pm = config.Pool("local", "pm");
        pm.MaxConcurrent = 1;
        pm.Size = 1;
        var e = config.Pool("gemba.io", "engineer");
        (e.MinIntervalPerSessionSeconds, e.IdleCeilingMinutes, e.RecycleAfterBeads, e.Floor, e.AgentType, e.Size) = (60, 30, 5, 1.0, "codex", 3);
        config.Pool("local", "a b");

        var expected = """
            [pool]
            default_size = 2
            default_persona = "engineer"
            default_floor = 1.0
            reserved_for_manual = 0

            [pool.routing]
            bug = "engineer"
            task = "engineer"

            [pool."gemba.io".engineer]
            size = 3
            agent_type = "codex"
            floor = 1.0
            recycle_after_beads = 5
            idle_ceiling_minutes = 30
            min_interval_per_session_seconds = 60

            [pool.local."a b"]

            [pool.local.pm]
            size = 1
            max_concurrent = 1

            """.Replace("\r\n", "\n");
        var rendered = PoolConfigCodec.Render(config);
        Assert.Equal(expected, rendered);
        Assert.Equal(rendered, PoolConfigCodec.Update(null, config));

        var back = Read(rendered);
        AssertSameConfig(config, back);
        Assert.Equal(1.0, back.DefaultFloor);
        Assert.Equal(3, back.Pools["gemba.io"]["engineer"].Size);
        Assert.Equal(1.0, back.Pools["gemba.io"]["engineer"].Floor);
        Assert.True(back.Pools["local"].ContainsKey("a b"));
    }

    [Fact]
    public void Special_characters_in_strings_are_escaped()
    {
        var config = new PoolConfig { DefaultPersona = "quote\" back\\ tab\t" };
        Assert.Equal("quote\" back\\ tab\t", Read(PoolConfigCodec.Render(config)).DefaultPersona);
    }

    [Fact]
    public void Editing_a_quoted_scope_keeps_its_spelling_and_unknown_keys_survive()
    {
        const string text = "[pool.'gemba.io'.engineer] # rig pool\nsize = 1\nlegacy_knob = true\n";
        var config = Read(text);
        config.Pools["gemba.io"]["engineer"].Floor = 1.0;

        var updated = PoolConfigCodec.Update(text, config);

        Assert.Equal("[pool.'gemba.io'.engineer] # rig pool\nsize = 1\nlegacy_knob = true\nfloor = 1.0\n", updated);
        Assert.Equal(1.0, Read(updated).Pools["gemba.io"]["engineer"].Floor);
    }

    [Fact]
    public void New_scope_with_a_dot_is_quoted_in_an_edited_file()
    {
        const string text = "# mine\n[pool]\ndefault_size = 1\n";
        var config = Read(text);
        config.Pool("a.b", "engineer").Floor = 1.0;

        var updated = PoolConfigCodec.Update(text, config);

        Assert.Equal("# mine\n[pool]\ndefault_size = 1\n\n[pool.\"a.b\".engineer]\nfloor = 1.0\n", updated);
        AssertSameConfig(config, Read(updated));
    }
}
