using Gemba.Escalations;

namespace Gemba.Grains.Escalations;

/// <summary>
/// The open escalations by id and a bounded tail of resolved ones, newest first. Both are capped, so
/// nothing an agent can make us keep grows without bound; an open escalation is only dropped past
/// <see cref="MaxOpen"/>, oldest first, which a sane cluster never reaches (one per member at most).
/// </summary>
[GenerateSerializer, Alias("gemba.state.EscalationBook")]
public sealed class EscalationBook
{
    public const int MaxOpen = 1000;
    public const int ResolvedKept = 100;

    [Id(0)] public List<Escalation> Open { get; set; } = [];

    [Id(1)] public List<Escalation> Resolved { get; set; } = [];

    /// <returns>Whether anything changed.</returns>
    public bool Upsert(Escalation escalation)
    {
        var index = Open.FindIndex(e => e.Id == escalation.Id);
        if (escalation.IsOpen)
        {
            if (index >= 0)
            {
                if (Open[index] == escalation) return false;
                Open[index] = escalation;
            }
            else
            {
                // Sessions report one-way, so an update can arrive after the resolution it preceded; a
                // resolved id is final (a problem raised again gets a new id).
                if (Resolved.Any(e => e.Id == escalation.Id)) return false;
                Open.Add(escalation);
                if (Open.Count > MaxOpen) Open.RemoveAt(0);
            }
            return true;
        }

        if (index >= 0) Open.RemoveAt(index);
        else if (Resolved.Any(e => e.Id == escalation.Id)) return false;
        Resolved.Insert(0, escalation);
        if (Resolved.Count > ResolvedKept) Resolved.RemoveAt(Resolved.Count - 1);
        return true;
    }

    public EscalationList ToList() => new([.. Open.OrderBy(e => e.Since)], [.. Resolved]);
}
