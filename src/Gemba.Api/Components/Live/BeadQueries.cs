using Gemba.Beads;
using Gemba.WorkPlanes;

namespace Gemba.Api.Components.Live;

/// <summary>Read-only questions the views ask of a work-plane snapshot.</summary>
internal static class BeadQueries
{
    public const string ParkedLabel = "gemba:parked";

    /// <summary>Beads the dispatcher could hand out now: its own predicate, without the parked ones.</summary>
    public static IEnumerable<Bead> Ready(WorkPlaneSnapshot snapshot, DateTimeOffset now)
    {
        var byId = snapshot.Beads.ToDictionary(b => b.Id, StringComparer.Ordinal);
        return snapshot.Beads.Where(b => IsReady(b, byId, now));
    }

    public static bool IsReady(Bead b, IReadOnlyDictionary<string, Bead> byId, DateTimeOffset now) =>
        !IsParked(b) && ReadySet.IsReady(b, id => byId.GetValueOrDefault(id), now);

    public static bool IsParked(Bead b) => b.HasLabel(ParkedLabel);

    /// <summary>An exact id first, then ids and titles containing the text (case-insensitive), at most <paramref name="limit"/>.</summary>
    public static IReadOnlyList<Bead> Search(WorkPlaneSnapshot snapshot, string query, int limit = 50)
    {
        var q = query.Trim();
        if (q.Length == 0) return [];
        var exact = snapshot.Beads.Where(b => string.Equals(b.Id, q, StringComparison.OrdinalIgnoreCase));
        var near = snapshot.Beads.Where(b => !string.Equals(b.Id, q, StringComparison.OrdinalIgnoreCase)
            && (b.Id.Contains(q, StringComparison.OrdinalIgnoreCase) || b.Title.Contains(q, StringComparison.OrdinalIgnoreCase)));
        return exact.Concat(near).Take(limit).ToList();
    }
}
