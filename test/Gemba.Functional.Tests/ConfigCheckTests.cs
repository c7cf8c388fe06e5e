using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace Gemba.Functional.Tests;

/// <summary>Bad configuration is named with file, line and column, and the server refuses it without writing anything.</summary>
public sealed class ConfigCheckTests
{
    // Line numbers matter: the assertions below point into this text. Four problems in one file;
    // a syntax error is tested apart because it stops the file from meaning anything else.
    private const string BadPoolToml = """
        [pool]
        default_persona = "engineer"
        default_floor = 1.5

        [pool.local.engineer]
        size = "two"

        [pool.local.engineer]
        size = 1

        [pool.local.ghost]
        size = 1
        """;

    private static TempDir Workspace(string poolToml)
    {
        var dir = new TempDir();
        dir.File(".gemba/pool.toml", poolToml);
        dir.File(".gemba/agents.toml", "[[agent]]\nname = \"claude\"\nmax_parallel = 4\n");
        dir.File(".gemba/personas/engineer.toml", "name = \"Engineer\"\n");
        return dir;
    }

    [Fact]
    public async Task Config_check_names_every_problem_with_line_and_column()
    {
        using var dir = Workspace(BadPoolToml);
        var (code, stdout, _) = await GembaProcess.RunAsync(dir.Path, null, "config", "check");

        Assert.Equal(1, code);
        var errors = stdout.Split('\n').Where(l => l.Contains(": error: ")).ToList();
        Assert.All(errors, l => Assert.Matches(@"pool\.toml:\d+:\d+: error: ", l));
        Assert.Contains(errors, l => Regex.IsMatch(l, @"pool\.toml:6:\d+: error: .*(integer|string)"));
        Assert.Contains(errors, l => Regex.IsMatch(l, @"pool\.toml:3:\d+: error: .*floor.*1\.5"));
        Assert.Contains(errors, l => Regex.IsMatch(l, @"pool\.toml:8:\d+: error: .*(duplicate|already)", RegexOptions.IgnoreCase));
        Assert.Contains(errors, l => Regex.IsMatch(l, @"pool\.toml:11:\d+: error: .*ghost"));
    }

    [Fact]
    public async Task Config_check_reports_a_syntax_error_at_its_line_and_column()
    {
        using var dir = Workspace("[pool]\ndefault_persona = \"engineer\"\n\n[pool.local.engineer\nsize = 2\n");
        var (code, stdout, _) = await GembaProcess.RunAsync(dir.Path, null, "config", "check");

        Assert.Equal(1, code);
        Assert.Matches(@"pool\.toml:4:\d+: error: ", stdout);
    }

    [Fact]
    public async Task Serve_refuses_bad_config_with_the_same_messages_and_writes_nothing()
    {
        using var dir = Workspace(BadPoolToml);
        var pool = Path.Combine(dir.Path, ".gemba", "pool.toml");
        var before = SHA256.HashData(File.ReadAllBytes(pool));
        var (check, checkOut, _) = await GembaProcess.RunAsync(dir.Path, null, "config", "check");
        var (serve, _, serveErr) = await GembaProcess.RunAsync(dir.Path, null,
            "serve", "--orchestration", "mock", "--work-plane", "jsonl", "--port", GembaProcess.FreePort().ToString());

        Assert.Equal(1, check);
        Assert.Equal(1, serve);
        foreach (var error in checkOut.Split('\n').Where(l => l.Contains(": error: ")))
            Assert.Contains(error.Trim(), serveErr);
        Assert.Contains("refusing to start", serveErr);
        Assert.Equal(before, SHA256.HashData(File.ReadAllBytes(pool)));
        Assert.False(Directory.Exists(Path.Combine(dir.Path, ".gemba", "state")), "a refused start must not create state");
        Assert.False(Directory.Exists(Path.Combine(dir.Path, ".beads")), "a refused start must not create a work plane");
    }

    [Fact]
    public async Task Config_check_passes_a_good_config_and_prints_the_resolved_pools()
    {
        using var dir = Workspace("[pool]\ndefault_persona = \"engineer\"\n\n[pool.local.engineer]\nsize = 5\n");
        var (code, stdout, _) = await GembaProcess.RunAsync(dir.Path, null, "config", "check");

        Assert.Equal(0, code);
        // agents.toml caps the host at 4 panes and reserves 1 for manual starts: 5 clamps to 3 with a warning.
        Assert.Contains("pool local/engineer: size 3 (declared 5)", stdout);
        Assert.Matches(@"pool\.toml:\d+:\d+: warning: .*clamp", stdout);
    }
}
