using Gemba.Pools;

namespace Gemba.Grains.Dispatch;

/// <summary>
/// Which scope a bead belongs to (DESIGN §4.1): always <c>local</c> on a native install; on Gas Town
/// the rig named by a <c>rig:X</c> label, else the rig whose beads prefix starts the bead id.
/// </summary>
public sealed class ScopeRouter
{
    private readonly bool _native;
    private readonly Dictionary<string, string> _rigByPrefix = new(StringComparer.Ordinal);

    /// <param name="prefixToRig">Beads id prefix (with or without its trailing '-') → rig name.</param>
    public ScopeRouter(bool native, IReadOnlyDictionary<string, string> prefixToRig)
    {
        _native = native;
        foreach (var (prefix, rig) in prefixToRig)
        {
            var key = prefix.Trim().TrimEnd('-');
            if (key.Length > 0 && !string.IsNullOrWhiteSpace(rig)) _rigByPrefix[key] = rig.Trim();
        }
    }

    public string? Resolve(BeadTraits bead)
    {
        if (_native) return PoolKey.LocalScope;
        if (!string.IsNullOrWhiteSpace(bead.Rig)) return bead.Rig;
        // Prefixes may themselves contain '-', so try every '-' from the right: the longest prefix wins.
        var id = bead.BeadId;
        for (var dash = id.LastIndexOf('-'); dash > 0; dash = id.LastIndexOf('-', dash - 1))
        {
            if (_rigByPrefix.TryGetValue(id[..dash], out var rig)) return rig;
        }
        return null;
    }
}
