using Gemba.Config;
using Gemba.Silo.Hosting;

namespace Gemba.Adapters.Tests.Native;

/// <summary><c>gemba config check</c> warns about an agent binary the native plane could not start.</summary>
public sealed class AgentBinaryCheckTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private ConfigSet Load(string agentsToml, ScopeMode mode = ScopeMode.Native, bool check = true)
    {
        var agents = _dir.Combine("agents.toml");
        File.WriteAllText(agents, agentsToml);
        return ConfigSet.Load(_dir.Combine("pool.toml"), agents, _dir.Combine("personas"), mode, checkAgentBinaries: check);
    }

    [Fact]
    public void A_binary_not_on_path_is_a_warning_at_its_binary_key()
    {
        var set = Load("# agents\n[[agent]]\nname = \"ghost\"\n  binary = \"gemba-no-such-agent\"\n\n[[agent]]\nname = \"sh\"\nbinary = \"sh\"\n");

        var finding = Assert.Single(set.Findings);
        Assert.Equal((FindingSeverity.Warning, 4, 3), (finding.Severity, finding.Line, finding.Column));
        Assert.StartsWith($"{_dir.Combine("agents.toml")}:4:3: warning: agent \"ghost\": binary \"gemba-no-such-agent\" not found on PATH", finding.ToString());
        Assert.False(set.HasErrors);
    }

    [Fact]
    public void A_path_that_is_not_an_executable_file_is_a_warning()
    {
        var script = _dir.Combine("not-executable.sh");
        File.WriteAllText(script, "#!/bin/sh\n");

        var finding = Assert.Single(Load($"[[agent]]\nname = \"a\"\nbinary = '{script}'\n").Findings);

        Assert.Contains("is not an executable file", finding.Message);
        Assert.Equal(3, finding.Line);
    }

    [Fact]
    public void Agents_without_a_binary_gas_town_and_serve_with_another_plane_are_not_checked()
    {
        Assert.Empty(Load("[[agent]]\nname = \"gemba-no-such-agent\"\n").Findings);
        Assert.Empty(Load("[[agent]]\nname = \"a\"\nbinary = \"gemba-no-such-agent\"\n", ScopeMode.GasTown).Findings);
        Assert.Empty(Load("[[agent]]\nname = \"a\"\nbinary = \"gemba-no-such-agent\"\n", check: false).Findings);
    }
}
