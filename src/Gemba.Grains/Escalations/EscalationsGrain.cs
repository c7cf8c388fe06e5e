using Gemba.Escalations;

namespace Gemba.Grains.Escalations;

/// <summary>Thin shell over <see cref="EscalationBook"/>: persists it and answers the API.</summary>
[GrainType("escalations")]
internal sealed class EscalationsGrain(
    [PersistentState("escalations", GembaStorage.Name)] IPersistentState<EscalationBook> state) : Grain, IEscalationsGrain
{
    public async Task Upsert(Escalation escalation)
    {
        if (state.State.Upsert(escalation)) await state.WriteStateAsync();
    }

    public Task<EscalationList> List() => Task.FromResult(state.State.ToList());
}
