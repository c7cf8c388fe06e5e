namespace Gemba.Dispatch;

/// <summary>An operator's "start this bead now" (<c>POST /api/sessions</c>, a drag to In Progress).</summary>
/// <param name="Persona">The pool's persona; null: the routing cascade decides, as for auto-dispatch.</param>
/// <param name="AgentType">Run it with this agent; null: the pool's. A different agent always gets a new member.</param>
[GenerateSerializer, Immutable, Alias("gemba.ManualStartRequest")]
public sealed record ManualStartRequest(string BeadId, string? Persona = null, string? AgentType = null);

/// <param name="Error">One of <see cref="ManualStartErrors"/> when not <paramref name="Ok"/>.</param>
/// <param name="Reused">A warm idle member took it, rather than a new one.</param>
[GenerateSerializer, Immutable, Alias("gemba.ManualStartResult")]
public sealed record ManualStartResult(bool Ok, string? SessionId, string? Persona, bool Reused, string? Error, string Message);

public static class ManualStartErrors
{
    public const string BeadNotFound = "bead_not_found";
    public const string NotRunnable = "not_runnable";
    public const string NotReady = "bead_not_ready";
    public const string AlreadyClaimed = "already_claimed";
    public const string NoPersona = "no_persona";
    public const string NoPool = "no_pool";
    public const string NoCapacity = "no_capacity";
    public const string StartFailed = "start_failed";
}
