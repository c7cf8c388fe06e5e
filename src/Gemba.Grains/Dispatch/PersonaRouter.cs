using Gemba.Config;

namespace Gemba.Grains.Dispatch;

/// <summary>
/// The persona cascade (DESIGN §4.1): the bead's own persona, then <c>[pool.routing]</c> by kind,
/// then <c>default_persona</c>. Null means the bead routes nowhere and must be reported, not dropped.
/// </summary>
public static class PersonaRouter
{
    public static string? Resolve(BeadTraits bead, RoutingTable routing)
    {
        if (!string.IsNullOrWhiteSpace(bead.Persona)) return bead.Persona.Trim();
        if (routing.ByKind.TryGetValue(bead.Kind, out var byKind) && !string.IsNullOrWhiteSpace(byKind)) return byKind.Trim();
        return string.IsNullOrWhiteSpace(routing.DefaultPersona) ? null : routing.DefaultPersona.Trim();
    }
}
