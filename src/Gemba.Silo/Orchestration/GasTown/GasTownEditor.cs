using Gemba.Orchestration;

namespace Gemba.Silo.Orchestration.GasTown;

/// <summary>
/// The pool editor's Gas Town panel (seed 003 §6): rigs and polecats imported from gt, and the three
/// mutations run through gt's own CLI in the forms gt 1.0.1 really has (<c>rig add</c>,
/// <c>polecat identity add</c>), which the probe reports in <see cref="OrchestrationState.Notes"/>.
/// </summary>
internal sealed class GasTownEditor(GtClient gt, GasTownOrchestrationPlane plane, Func<IReadOnlyList<string>> agentTypes) : IOrchestrationEditor
{
    private const string MaxPolecatsKey = "scheduler.max_polecats";

    public string AdaptorId => GasTownOrchestrationPlane.Id;

    public bool SupportsMutations => true;

    public async Task<OrchestrationState> GetStateAsync(CancellationToken cancellationToken = default)
    {
        var notes = new List<string>();
        try
        {
            var capabilities = await plane.CapabilitiesAsync(cancellationToken).ConfigureAwait(false);
            notes.AddRange(capabilities.Missing);
        }
        catch (GtCommandException ex)
        {
            return new OrchestrationState(AdaptorId, [], agentTypes(), [], ex.Message, notes);
        }
        try
        {
            var rigsTask = gt.ListRigsAsync(cancellationToken);
            var polecats = await gt.ListPolecatsAsync(cancellationToken).ConfigureAwait(false);
            var rigs = await rigsTask.ConfigureAwait(false);
            var byRig = polecats.ToLookup(p => p.Rig, StringComparer.Ordinal);
            var scopes = rigs
                .OrderBy(r => r.Name, StringComparer.Ordinal)
                .Select(r => new OrchestrationScope(r.Name, "rig", [.. byRig[r.Name].Select(p => p.Name).Distinct().Order(StringComparer.Ordinal)], r.Status))
                .ToList();
            var list = polecats
                .OrderBy(p => p.Rig, StringComparer.Ordinal).ThenBy(p => p.Name, StringComparer.Ordinal)
                .Select(p => new PolecatInfo(p.Rig, p.Name, p.Name, p.State))
                .ToList();
            return new OrchestrationState(AdaptorId, scopes, agentTypes(), list, null, notes);
        }
        catch (GtCommandException ex)
        {
            return new OrchestrationState(AdaptorId, [], agentTypes(), [], ex.Message, notes);
        }
    }

    public AdaptorCommand PlanCreateScope(string name, string? gitUrl) =>
        Command(GtClient.RigAddArguments(name, string.IsNullOrWhiteSpace(gitUrl) ? null : gitUrl.Trim()));

    public AdaptorCommand PlanCreatePolecat(string rig, string persona) => Command(GtClient.PolecatIdentityAddArguments(rig, persona));

    public AdaptorCommand PlanSetMaxPolecats(int value) => Command(GtClient.ConfigSetArguments(MaxPolecatsKey, value));

    public async Task<AdaptorRun> RunAsync(AdaptorCommand command, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(command);
        try
        {
            var run = await gt.RunEditorCommandAsync(command.Arguments, cancellationToken).ConfigureAwait(false);
            return new AdaptorRun(run.Command, run.Stdout, run.Stderr, run.Ok);
        }
        catch (GtCommandException ex)
        {
            // gt missing or timed out: still an answer the modal can show.
            return new AdaptorRun(command.Display, "", ex.Message, false);
        }
    }

    public async Task<SchedulerConfig> GetSchedulerConfigAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            return new SchedulerConfig(await gt.ConfigGetIntAsync(MaxPolecatsKey, cancellationToken).ConfigureAwait(false), null);
        }
        catch (GtCommandException ex)
        {
            return new SchedulerConfig(null, ex.Message);
        }
    }

    private static AdaptorCommand Command(IReadOnlyList<string> arguments) => new(GtClient.DisplayCommand(arguments), arguments);
}
