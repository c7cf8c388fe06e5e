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
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context) =>
        Task.FromResult(Home(target.GrainIdentity.Key.ToString()!, context.GetCompatibleSilos(target), membership.CurrentSnapshot)
            ?? context.LocalSilo);

    /// <summary>
    /// The silo <paramref name="scope"/>'s dispatcher belongs on, among <paramref name="candidates"/> that
    /// <paramref name="members"/> counts active (all candidates while none is); null when there are none.
    /// Placement and the dispatcher's own backstop both ask here, so they never disagree.
    /// </summary>
    internal static SiloAddress? Home(string scope, IReadOnlyCollection<SiloAddress> candidates, ClusterMembershipSnapshot members)
    {
        var active = candidates.Where(s => members.GetSiloStatus(s) == SiloStatus.Active).ToArray();
        var silos = active.Length > 0 ? active : candidates;
        if (silos.Count == 0) return null;
        var byText = silos.ToDictionary(s => s.ToParsableString(), StringComparer.Ordinal);
        return byText[ScopeSpread.Choose(scope, byText.Keys)!];
    }
}
