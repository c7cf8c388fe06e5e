using Orleans.Runtime.Placement;

namespace Gemba.Grains.Dispatch.Placement;

/// <summary>
/// The Orleans side of <see cref="ScopeSpread"/>: the grain's string key is its scope. Runs for every
/// activation, and when a dispatcher asks to migrate (Orleans aborts the move when the answer is the silo it is on).
/// </summary>
internal sealed class ScopeSpreadDirector : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var silos = context.GetCompatibleSilos(target);
        if (silos.Length == 0) return Task.FromResult(context.LocalSilo);
        var byText = silos.ToDictionary(s => s.ToParsableString(), StringComparer.Ordinal);
        var scope = target.GrainIdentity.Key.ToString();
        return Task.FromResult(byText[ScopeSpread.Choose(scope, byText.Keys)!]);
    }
}
