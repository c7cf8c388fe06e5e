namespace Gemba.Events;

/// <summary>A dispatch or session change, streamed to operators over server-sent events.</summary>
public sealed record GembaEvent(
    string Kind,
    DateTimeOffset At,
    string? Scope = null,
    string? Persona = null,
    string? SessionId = null,
    string? BeadId = null,
    string? Status = null,
    string? Message = null);

public static class GembaEventKinds
{
    public const string Dispatched = "dispatch.dispatched";
    public const string Decision = "dispatch.decision";
    public const string SessionChanged = "session.changed";
    public const string Escalation = "escalation.opened";
    public const string EscalationResolved = "escalation.resolved";
    public const string ConfigApplied = "config.applied";
    /// <summary>A cascade started leaves, or its wrapper rolled up (status: unstarted, started or completed).</summary>
    public const string CascadeChanged = "cascade.changed";
}

/// <summary>
/// The in-process event hub of one silo. Grains publish; the API's event stream subscribes.
/// Best effort by design: a slow subscriber loses events rather than slowing dispatch.
/// </summary>
public interface IGembaEvents
{
    void Publish(GembaEvent @event);

    IAsyncEnumerable<GembaEvent> SubscribeAsync(CancellationToken cancellationToken);
}
