using Gemba.Escalations;

namespace Gemba.Grains.Escalations;

/// <summary>Thin shell over <see cref="EscalationBook"/>: persists it and answers the API.</summary>
[GrainType("escalations")]
internal sealed class EscalationsGrain(
    [PersistentState("escalations", GembaStorage.Name)] IPersistentState<EscalationBook> state,
    TimeProvider time) : Grain, IEscalationsGrain
{
    public async Task<Escalation?> Resolve(string id, string resolution)
    {
        if (state.State.Open.FirstOrDefault(e => e.Id == id) is not { } open) return null;
        var resolved = EscalationRules.Resolve(open, resolution, time.GetUtcNow());
        state.State.Upsert(resolved);
        await state.WriteStateAsync();
        return resolved;
    }

    public async Task Upsert(Escalation escalation)
    {
        if (state.State.Upsert(escalation)) await state.WriteStateAsync();
    }

    public Task<EscalationList> List() => Task.FromResult(state.State.ToList());
}
