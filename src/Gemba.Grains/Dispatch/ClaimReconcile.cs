using Gemba.Beads;
using Gemba.Pools;
using Gemba.Sessions;

namespace Gemba.Grains.Dispatch;

/// <summary>
/// The rules that make the claim ledger agree with who actually holds what, apart from the grain
/// that keeps the ledger and does the I/O. A claim a member holds is confirmed; a claim whose member
/// finished is dropped; a claim nobody holds (a crash between claim and hand-over, a failed member) is
/// dropped and its bead released, so no bead is lost. It runs in two steps because the second needs
/// the sessions' own answers, which only the grain can fetch: <see cref="Survey"/> settles what the pool
/// views show and names the sessions to ask; <see cref="Settle"/> decides with their answers.
/// </summary>
internal static class ClaimReconcile
{
    public enum Holding
    {
        /// <summary>The session holds the bead and is still alive.</summary>
        Yes,

        /// <summary>The session has just finished the bead (its bead-done closes it).</summary>
        Finished,

        /// <summary>The session lost it: failed, moved on, or never got it.</summary>
        No,
    }

    public static Holding Classify(MemberSummary? summary, string beadId) => summary switch
    {
        { CurrentBead: var current } when current == beadId && !summary.Status.IsTerminal() => Holding.Yes,
        { Status: not SessionStatus.Failed, LastBead: var last } when last == beadId && summary.CurrentBead != beadId => Holding.Finished,
        _ => Holding.No,
    };

    /// <param name="Unheld">Ledger claims no pool view shows held by their session.</param>
    /// <param name="Strays">In-progress beads assigned to one of our sessions that neither the ledger nor a pool view accounts for.</param>
    public sealed record Findings(bool Changed, IReadOnlyList<Unheld> Unheld, IReadOnlyList<BeadHolder> Strays)
    {
        public bool Settled => Unheld.Count == 0 && Strays.Count == 0;

        /// <summary>The sessions whose own answer <see cref="Settle"/> needs.</summary>
        public IReadOnlyList<string> ToAsk =>
            [.. Unheld.Select(u => u.Claim.SessionId).Concat(Strays.Select(s => s.SessionId)).Distinct(StringComparer.Ordinal)];
    }

    public sealed record Unheld(string BeadId, ClaimRecord Claim);

    public readonly record struct BeadHolder(string BeadId, string SessionId);

    /// <param name="Adopt">Members that hold a bead their pool never heard of (a crash mid-dispatch): tell the pool.</param>
    /// <param name="Failed">Sessions that failed on their bead: count the failure against it.</param>
    /// <param name="Release">Beads to hand back to the work plane (in progress under a session that no longer holds them).</param>
    /// <param name="Stranded">The releases nothing in the ledger explained, for the log.</param>
    public sealed record Settlement(
        bool Changed,
        IReadOnlyList<MemberSummary> Adopt,
        IReadOnlyList<(BeadHolder Holder, string Reason, DateTimeOffset FailedAt)> Failed,
        IReadOnlyList<BeadHolder> Release,
        IReadOnlyList<BeadHolder> Stranded);

    /// <summary>Confirms (in <paramref name="claims"/>) every claim a pool view shows held, and lists what needs the sessions' answers.</summary>
    public static Findings Survey(Dictionary<string, ClaimRecord> claims, IReadOnlyList<PoolView> views, IReadOnlyDictionary<string, Bead> beads)
    {
        var changed = false;
        var holders = new Dictionary<string, string>(StringComparer.Ordinal);
        var ours = new HashSet<string>(StringComparer.Ordinal);
        foreach (var view in views)
        {
            foreach (var m in view.Members)
            {
                ours.Add(m.SessionId);
                if (m.CurrentBead is { } held) holders[held] = m.SessionId;
            }
            foreach (var r in view.Retired) ours.Add(r.SessionId);
        }

        var unheld = new List<Unheld>();
        foreach (var (beadId, claim) in claims)
        {
            ours.Add(claim.SessionId);
            if (holders.GetValueOrDefault(beadId) == claim.SessionId)
            {
                if (!claim.Confirmed) { claims[beadId] = claim with { Confirmed = true }; changed = true; }
                continue;
            }
            unheld.Add(new Unheld(beadId, claim));
        }

        var strays = beads.Values
            .Where(b => b.Status == BeadStatus.InProgress && b.Assignee is { } a && ours.Contains(a)
                && !claims.ContainsKey(b.Id) && holders.GetValueOrDefault(b.Id) != a)
            .Select(b => new BeadHolder(b.Id, b.Assignee!))
            .ToList();
        return new Findings(changed, unheld, strays);
    }

    /// <summary>
    /// Decides the rest with the answers of the sessions that could be asked (<paramref name="answers"/>
    /// lacks a session whose silo is failing over: its claims wait for the next cycle). Updates
    /// <paramref name="claims"/>; the returned lists are the I/O the grain must do.
    /// </summary>
    public static Settlement Settle(Dictionary<string, ClaimRecord> claims, Findings findings,
        IReadOnlyDictionary<string, MemberSummary?> answers, IReadOnlyDictionary<string, Bead> beads)
    {
        var changed = findings.Changed;
        var adopt = new List<MemberSummary>();
        var failed = new List<(BeadHolder, string, DateTimeOffset)>();
        var release = new List<BeadHolder>();
        var stranded = new List<BeadHolder>();
        foreach (var (beadId, claim) in findings.Unheld)
        {
            if (!answers.TryGetValue(claim.SessionId, out var summary)) continue;
            changed = true;
            switch (Classify(summary, beadId))
            {
                case Holding.Yes:
                    adopt.Add(summary!);
                    if (!claim.Confirmed) claims[beadId] = claim with { Confirmed = true };
                    break;
                case Holding.Finished:
                    claims.Remove(beadId);
                    break;
                default:
                    var holder = new BeadHolder(beadId, claim.SessionId);
                    if (summary is { Status: SessionStatus.Failed } && (summary.CurrentBead ?? summary.LastBead) == beadId)
                        failed.Add((holder, summary.Reason ?? "session failed", summary.StatusSince));
                    if (beads.TryGetValue(beadId, out var bead) && bead.Status == BeadStatus.InProgress && bead.Assignee == claim.SessionId)
                        release.Add(holder);
                    claims.Remove(beadId);
                    break;
            }
        }
        foreach (var stray in findings.Strays)
        {
            if (!answers.TryGetValue(stray.SessionId, out var summary) || Classify(summary, stray.BeadId) != Holding.No) continue;
            stranded.Add(stray);
            release.Add(stray);
        }
        return new Settlement(changed, adopt, failed, release, stranded);
    }
}
