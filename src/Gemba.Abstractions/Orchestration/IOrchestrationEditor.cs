namespace Gemba.Orchestration;

/// <summary>
/// The orchestration adaptor as the pool editor sees it (seed 003 §3.2–3.3, §6): what it owns
/// (scopes, polecats, agent types) read-only, and the few changes the editor may ask it to make by
/// running its own CLI. A command is planned first so the operator sees exactly what will run.
/// </summary>
public interface IOrchestrationEditor
{
    string AdaptorId { get; }

    /// <summary>Whether this adaptor has editor mutations at all (only Gas Town does).</summary>
    bool SupportsMutations { get; }

    Task<OrchestrationState> GetStateAsync(CancellationToken cancellationToken = default);

    /// <summary>The command "add rig" would run. Throws <see cref="ArgumentException"/> for a bad name or URL.</summary>
    AdaptorCommand PlanCreateScope(string name, string? gitUrl);

    /// <summary>The command "add polecat" would run for the (rig, persona) pair.</summary>
    AdaptorCommand PlanCreatePolecat(string rig, string persona);

    /// <summary>The command that sets the scheduler's <c>max_polecats</c>.</summary>
    AdaptorCommand PlanSetMaxPolecats(int value);

    /// <summary>Runs a command this editor planned; a failing CLI is a result with <c>Ok = false</c>, not an exception.</summary>
    Task<AdaptorRun> RunAsync(AdaptorCommand command, CancellationToken cancellationToken = default);

    Task<SchedulerConfig> GetSchedulerConfigAsync(CancellationToken cancellationToken = default);
}

/// <param name="Display">Exactly what will run, for the confirmation modal, e.g. <c>gt rig add foo --adopt</c>.</param>
/// <param name="Arguments">The argument list (never a shell string).</param>
public sealed record AdaptorCommand(string Display, IReadOnlyList<string> Arguments);

/// <summary>The run-command modal's answer (original §4.8): the command, its output, whether it succeeded.</summary>
public sealed record AdaptorRun(string Command, string Stdout, string Stderr, bool Ok);

/// <param name="Scopes">Rigs on Gas Town, the one implicit <c>local</c> scope on native; null for adaptors without scopes (mock).</param>
/// <param name="AgentTypes">Agent types the adaptor can start (native: agents.toml names).</param>
/// <param name="Problem">Why the adaptor could not be read (gt failed), shown instead of an empty list.</param>
/// <param name="Notes">What this adaptor lacks that the seed names, with what is used instead.</param>
public sealed record OrchestrationState(
    string AdaptorId,
    IReadOnlyList<OrchestrationScope>? Scopes,
    IReadOnlyList<string> AgentTypes,
    IReadOnlyList<PolecatInfo> Polecats,
    string? Problem,
    IReadOnlyList<string> Notes);

/// <param name="Kind"><c>rig</c> or <c>local</c>.</param>
/// <param name="Personas">Personas that have a polecat in this scope (Gas Town); empty on native.</param>
public sealed record OrchestrationScope(string Id, string Kind, IReadOnlyList<string> Personas, string? Status);

public sealed record PolecatInfo(string Scope, string Persona, string Name, string? State);

/// <param name="MaxPolecats">gt's <c>scheduler.max_polecats</c>; null when it could not be read (see <paramref name="Problem"/>).</param>
public sealed record SchedulerConfig(int? MaxPolecats, string? Problem);
