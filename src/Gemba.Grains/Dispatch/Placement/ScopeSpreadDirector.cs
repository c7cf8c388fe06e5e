using Orleans.Runtime.Placement;

namespace Gemba.Grains.Dispatch.Placement;

/// <summary>
/// The Orleans side of <see cref="ScopeSpread"/>: the grain's string key is its scope. Runs for every
/// activation, and when a dispatcher asks to migrate (Orleans aborts the move when the answer is the silo it is on).
/// Only silos membership counts as active are chosen: the compatible silos come from the cluster manifest,
/// which trails membership, and a dispatcher placed on a silo that has just been declared dead is lost
/// until its reminder (seen once as 53 s from a kill to the next dispatch).
/// </summary>
internal sealed class ScopeSpreadDirector(IClusterMembershipService membership) : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var compatible = context.GetCompatibleSilos(target);
        var members = membership.CurrentSnapshot;
        var active = compatible.Where(s => members.GetSiloStatus(s) == SiloStatus.Active).ToArray();
        var silos = active.Length > 0 ? active : compatible;
        if (silos.Length == 0) return Task.FromResult(context.LocalSilo);
        var byText = silos.ToDictionary(s => s.ToParsableString(), StringComparer.Ordinal);
        var scope = target.GrainIdentity.Key.ToString();
        return Task.FromResult(byText[ScopeSpread.Choose(scope, byText.Keys)!]);
    }
}
