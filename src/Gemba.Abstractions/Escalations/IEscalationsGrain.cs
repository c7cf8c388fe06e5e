namespace Gemba.Escalations;

/// <summary>
/// The cluster's list of escalations (one grain, key <see cref="Key"/>): the open ones and a bounded
/// tail of recently resolved ones. Sessions own their escalation and report it here one-way.
/// </summary>
[Alias("gemba.IEscalationsGrain")]
public interface IEscalationsGrain : IGrainWithStringKey
{
    public const string Key = "all";

    /// <summary>Records a new or updated open escalation (same id = update in place).</summary>
    [Alias("Upsert"), Orleans.Concurrency.OneWay]
    Task Upsert(Escalation escalation);

    /// <summary>
    /// Resolves an open escalation in the list itself: for one whose session no longer holds it
    /// (ended meanwhile). Null when no open escalation has this id.
    /// </summary>
    [Alias("Resolve")]
    Task<Escalation?> Resolve(string id, string resolution);

    [Alias("List"), Orleans.Concurrency.AlwaysInterleave]
    Task<EscalationList> List();
}

[GenerateSerializer, Immutable, Alias("gemba.EscalationList")]
public sealed record EscalationList(IReadOnlyList<Escalation> Open, IReadOnlyList<Escalation> Resolved);
