using Gemba.Orchestration;

namespace Gemba.Silo.Orchestration;

/// <summary>
/// The pool editor's view of an adaptor gemba runs itself (native tmux, mock): nothing to import but
/// the agent types, and no adaptor CLI to run. Native has exactly one implicit scope, <c>local</c>
/// (seed 003 §2); the mock plane takes whatever scopes pool.toml names.
/// </summary>
internal sealed class LocalEditor(string adaptorId, Func<IReadOnlyList<string>> agentTypes) : IOrchestrationEditor
{
    public const string LocalScope = "local";

    public string AdaptorId => adaptorId;

    public bool SupportsMutations => false;

    public Task<OrchestrationState> GetStateAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult(new OrchestrationState(
            adaptorId,
            adaptorId == "native" ? [new OrchestrationScope(LocalScope, "local", [], null)] : null,
            agentTypes(),
            [],
            null,
            []));

    public AdaptorCommand PlanCreateScope(string name, string? gitUrl) => throw Unsupported();

    public AdaptorCommand PlanCreatePolecat(string rig, string persona) => throw Unsupported();

    public AdaptorCommand PlanSetMaxPolecats(int value) => throw Unsupported();

    public Task<AdaptorRun> RunAsync(AdaptorCommand command, CancellationToken cancellationToken = default) => throw Unsupported();

    public Task<SchedulerConfig> GetSchedulerConfigAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult(new SchedulerConfig(null, $"the {adaptorId} adaptor has no scheduler; this is a Gas Town setting"));

    private NotSupportedException Unsupported() =>
        new($"this mutation is Gas Town only; the bound adaptor '{adaptorId}' does not support it");
}
