using Gemba.Escalations;
using Gemba.Grains.Sessions;
using Gemba.Sessions;

namespace Gemba.Grains.Escalations;

/// <summary>
/// When a member's escalation opens, updates and resolves. Pure: the session grain applies the answer.
/// A member has at most one open escalation; a repeat of the same kind updates it in place (new files,
/// new message) and keeps its id and start time, so an operator sees one problem, not one per retry.
/// </summary>
public static class EscalationRules
{
    public static Escalation DirtyWorktree(SessionSnapshot s, Escalation? open, IReadOnlyList<string> files, string? detail, DateTimeOffset now)
    {
        var named = files.Count == 0 ? "the worktree check failed" + (detail is null ? "" : $": {detail}") : string.Join(", ", files);
        var message = $"bead-done for {s.CurrentBead} refused: uncommitted changes in the member's worktree ({named}); commit or remove them, then report bead-done again";
        return Open(s, open, EscalationKinds.DirtyWorktree, message, files, now);
    }

    public static Escalation? Stalled(SessionSnapshot s, Escalation? open, DateTimeOffset lastSignal, TimeSpan stallAfter, DateTimeOffset now)
    {
        if (stallAfter < TimeSpan.Zero || s.CurrentBead is null || s.Status.IsTerminal() || s.Status == SessionStatus.Ready) return null;
        if (open is not null) return null; // one open escalation per member: a dirty or stalled one already says "look here"
        var silent = now - lastSignal;
        if (silent < stallAfter) return null;
        var message = $"working on {s.CurrentBead} for {silent.TotalMinutes:0} min without any signal from its agent (stall_timeout_minutes = {stallAfter.TotalMinutes:0}); the member is left running";
        return Open(s, null, EscalationKinds.Stalled, message, [], now);
    }

    public static Escalation Resolve(Escalation open, string resolution, DateTimeOffset now) =>
        open with { ResolvedAt = now, Resolution = resolution };

    private static Escalation Open(SessionSnapshot s, Escalation? open, string kind, string message, IReadOnlyList<string> files, DateTimeOffset now) =>
        open is { } same && same.Kind == kind && same.BeadId == s.CurrentBead
            ? same with { Message = message, Files = files }
            : new Escalation($"{s.SessionId}:{kind}:{now.ToUnixTimeMilliseconds()}", s.SessionId, s.Pool.Scope, s.Pool.Persona, s.CurrentBead, kind, message, files, now);
}
