using System.Text.Json;
using Gemba.Config;

namespace Gemba.Unit.Tests.Config;

public sealed class PoolConfigParseTests
{
    private static PoolConfigDocument Parse(string text) => PoolConfigCodec.Parse(text, "pool.toml");

    [Fact]
    public void Reads_every_key_and_keeps_absent_distinct_from_zero()
    {
        var doc = Parse("""
            [pool]
            default_size = 0
            default_persona = "engineer"
            default_floor = 0.25
            reserved_for_manual = 2

            [pool.routing]
            bug = "engineer"

            [pool.local.engineer]
            size = 3
            agent_type = "codex"
            floor = 0.0
            recycle_after_beads = -1
            idle_ceiling_minutes = 10
            min_interval_per_session_seconds = 0
            max_concurrent = 2

            [pool.local.pm]
            """);

        Assert.Empty(doc.Findings);
        var c = doc.Config;
        Assert.Equal(0, c.DefaultSize);
        Assert.Equal("engineer", c.DefaultPersona);
        Assert.Equal(0.25, c.DefaultFloor);
        Assert.Equal(2, c.ReservedForManual);
        Assert.Equal("engineer", c.Routing["bug"]);
        Assert.Equal(new PoolEntry
        {
            Size = 3, AgentType = "codex", Floor = 0.0, RecycleAfterBeads = -1, IdleCeilingMinutes = 10,
            MinIntervalPerSessionSeconds = 0, MaxConcurrent = 2,
        }, c.Pools["local"]["engineer"]);
        Assert.Equal(new PoolEntry(), c.Pools["local"]["pm"]);
    }

    [Fact]
    public void Integer_floor_is_read_as_a_float()
    {
        var doc = Parse("[pool.local.engineer]\nfloor = 1\n");
        Assert.Empty(doc.Findings);
        Assert.Equal(1.0, doc.Config.Pools["local"]["engineer"].Floor);
    }

    [Fact]
    public void Syntax_error_is_an_error_with_line_and_column_and_yields_an_empty_config()
    {
        var doc = Parse("[pool]\ndefault_size = \n");
        var error = Assert.Single(doc.Findings);
        Assert.Equal(FindingSeverity.Error, error.Severity);
        Assert.Equal((2, 16), (error.Line, error.Column));
        Assert.StartsWith("pool.toml:2:16: error: ", error.ToString());
        Assert.Null(doc.Config.DefaultSize);
    }

    [Fact]
    public void String_where_an_integer_belongs_names_the_dotted_key_at_the_value()
    {
        var doc = Parse("[pool.local.engineer]\nsize = \"two\"\nfloor = 0.4\n");
        var error = Assert.Single(doc.Findings);
        Assert.Equal("pool.local.engineer.size: expected an integer, found string \"two\"", error.Message);
        Assert.Equal((FindingSeverity.Error, 2, 8), (error.Severity, error.Line, error.Column));
        Assert.Null(doc.Config.Pools["local"]["engineer"].Size);
        Assert.Equal(0.4, doc.Config.Pools["local"]["engineer"].Floor);
    }

    [Fact]
    public void Type_errors_in_defaults_and_routing_are_errors()
    {
        var doc = Parse("[pool]\ndefault_floor = \"high\"\ndefault_persona = 3\n[pool.routing]\nbug = true\n");
        Assert.Equal(
            [
                "pool.default_floor: expected a float, found string \"high\"",
                "pool.default_persona: expected a string, found integer 3",
                "pool.routing.bug: expected a string, found boolean true",
            ],
            doc.Findings.Select(f => f.Message));
        Assert.All(doc.Findings, f => Assert.Equal(FindingSeverity.Error, f.Severity));
    }

    [Fact]
    public void Unknown_keys_and_non_table_values_are_warnings()
    {
        var doc = Parse("""
            [pool]
            default_sise = 2
            [pool.local]
            engineer = 3
            [pool.local.pm]
            size = 1
            colour = "red"
            [server]
            port = 1
            """);
        Assert.All(doc.Findings, f => Assert.Equal(FindingSeverity.Warning, f.Severity));
        Assert.Equal(4, doc.Findings.Count);
        Assert.Contains(doc.Findings, f => f.Message.StartsWith("pool.default_sise: unknown key", StringComparison.Ordinal) && f.Line == 2 && f.Column == 1);
        Assert.Contains(doc.Findings, f => f.Message.StartsWith("pool.local.engineer: expected a pool table", StringComparison.Ordinal) && f.Line == 4);
        Assert.Contains(doc.Findings, f => f.Message.StartsWith("pool.local.pm.colour: unknown key", StringComparison.Ordinal) && f.Line == 7);
        Assert.Contains(doc.Findings, f => f.Message.StartsWith("server: unknown top-level key", StringComparison.Ordinal) && f.Line == 8);
        Assert.Equal(1, doc.Config.Pools["local"]["pm"].Size);
        Assert.False(doc.Config.Pools["local"].ContainsKey("engineer"));
    }

    [Fact]
    public void Duplicate_pool_table_is_an_error_at_the_second_header_even_when_spelled_differently()
    {
        var doc = Parse("[pool.local.engineer]\nsize = 1\n\n[pool.local.\"engineer\"]\nsize = 2\n");
        var error = Assert.Single(doc.Findings);
        Assert.Equal(FindingSeverity.Error, error.Severity);
        Assert.Equal((4, 1), (error.Line, error.Column));
        Assert.Contains("duplicate pool (scope 'local', persona 'engineer')", error.Message);
        Assert.Contains("line 1, column 1", error.Message);
        Assert.Equal(1, doc.Config.Pools["local"]["engineer"].Size);
    }

    [Fact]
    public void Dotted_keys_and_inline_tables_mean_the_same_as_headers()
    {
        var doc = Parse("[pool.local]\nengineer.size = 2\npm = { size = 1, floor = 0.3 }\n");
        Assert.Empty(doc.Findings);
        Assert.Equal(2, doc.Config.Pools["local"]["engineer"].Size);
        Assert.Equal(0.3, doc.Config.Pools["local"]["pm"].Floor);
    }

    [Fact]
    public void Quoted_scope_with_a_dot_is_one_scope()
    {
        var doc = Parse("[pool.\"gemba.io\".engineer]\nsize = 1\n");
        Assert.Empty(doc.Findings);
        Assert.Equal(1, doc.Config.Pools["gemba.io"]["engineer"].Size);
    }

    [Fact]
    public void Load_of_a_missing_file_is_an_empty_config_without_findings()
    {
        var doc = PoolConfigCodec.Load(Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N"), "pool.toml"));
        Assert.Empty(doc.Findings);
        Assert.Empty(doc.Config.Pools);
        Assert.Equal("", doc.Text);
    }

    [Fact]
    public void Json_uses_snake_case_and_omits_unset_values()
    {
        var config = new PoolConfig { DefaultSize = 1 };
        config.Pool("local", "engineer").Floor = 1.0;
        var json = JsonSerializer.Serialize(config);
        Assert.Equal("""{"default_size":1,"routing":{},"pools":{"local":{"engineer":{"floor":1}}}}""", json);
        var back = JsonSerializer.Deserialize<PoolConfig>("""{"pools":{"local":{"pm":{"size":0,"min_interval_per_session_seconds":30}}},"routing":null}""")!;
        Assert.Equal(0, back.Pools["local"]["pm"].Size);
        Assert.Equal(30, back.Pools["local"]["pm"].MinIntervalPerSessionSeconds);
        Assert.Empty(back.Routing);
    }

    [Fact]
    public void Reopening_a_pool_made_by_dotted_keys_is_a_duplicate()
    {
        var doc = Parse("[pool.local]\nengineer.size = 1\n[pool.local.engineer]\nfloor = 0.2\n");
        var error = Assert.Single(doc.Findings);
        Assert.Equal((FindingSeverity.Error, 3, 1), (error.Severity, error.Line, error.Column));
        Assert.Contains("first declared at line 2, column 1", error.Message);
        Assert.Null(doc.Config.Pools["local"]["engineer"].Floor);
    }

    [Fact]
    public void Key_set_twice_is_a_duplicate_at_the_second_key()
    {
        var error = Assert.Single(Parse("[pool.local.engineer]\nsize = 1\nsize = 2\n").Findings);
        Assert.Equal((FindingSeverity.Error, 3, 1), (error.Severity, error.Line, error.Column));
        Assert.StartsWith("duplicate key pool.local.engineer.size", error.Message);
    }

    [Fact]
    public void Table_under_a_value_is_a_duplicate()
    {
        var error = Assert.Single(Parse("[pool]\nlocal = 1\n[pool.local.engineer]\n").Findings, f => f.Severity == FindingSeverity.Error);
        Assert.Equal((3, 1), (error.Line, error.Column));
    }
}
