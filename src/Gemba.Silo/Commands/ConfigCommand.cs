using System.CommandLine;
using Gemba.Config;
using Gemba.Silo.Hosting;

namespace Gemba.Silo.Commands;

/// <summary><c>gemba config check</c>: every finding as <c>file:line:col: severity: message</c>; exit 1 on errors.</summary>
internal static class ConfigCommand
{
    private static readonly Option<string> PoolConfig = new("--pool-config") { DefaultValueFactory = _ => Path.Combine(".gemba", "pool.toml") };
    private static readonly Option<string> AgentsRegistry = new("--agents-registry") { DefaultValueFactory = _ => Path.Combine(".gemba", "agents.toml") };
    private static readonly Option<string> PersonasDir = new("--personas-dir") { DefaultValueFactory = _ => Path.Combine(".gemba", "personas") };
    private static readonly Option<string> Orchestration = new Option<string>("--orchestration") { Description = "Scope rules to check against", DefaultValueFactory = _ => "native" }.AcceptOnlyFromAmong([.. ServeOptions.OrchestrationKinds]);

    public static Command Create()
    {
        var check = new Command("check", "Validate pool.toml against agents.toml and the personas") { PoolConfig, AgentsRegistry, PersonasDir, Orchestration };
        check.SetAction(parse =>
        {
            var mode = parse.GetValue(Orchestration) == "gastown" ? ScopeMode.GasTown : ScopeMode.Native;
            var set = ConfigSet.Load(parse.GetValue(PoolConfig)!, parse.GetValue(AgentsRegistry)!, parse.GetValue(PersonasDir)!, mode);
            foreach (var finding in set.Findings) Console.WriteLine(finding);
            var errors = set.Findings.Count(f => f.Severity == FindingSeverity.Error);
            var warnings = set.Findings.Count - errors;
            if (errors == 0)
                foreach (var pool in set.Resolved.Pools)
                    Console.WriteLine($"pool {pool.Scope}/{pool.Persona}: size {pool.SizeEffective} (declared {pool.SizeDeclared}), agent {pool.AgentType}, floor {pool.Floor:0.00}");
            Console.WriteLine($"{errors} error(s), {warnings} warning(s)");
            return errors > 0 ? 1 : 0;
        });
        return new Command("config", "Configuration tools") { check };
    }
}
