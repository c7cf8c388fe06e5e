using System.Text;

namespace Gemba.Grains.Dispatch.Placement;

/// <summary>
/// Which silo a scope's dispatcher belongs on: every silo must reach the same answer from the same
/// membership, so the choice depends only on the scope and the silos in a fixed order. The hash is
/// FNV-1a over the scope's UTF-8 bytes because <see cref="string.GetHashCode()"/> differs per process.
/// </summary>
public static class ScopeSpread
{
    /// <summary>The index, in <paramref name="count"/> silos ordered by <see cref="Order"/>, the scope belongs on.</summary>
    public static int Index(string scope, int count)
    {
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        return (int)(Hash(scope) % (uint)count);
    }

    /// <summary>The silo (by its address text) the scope belongs on; null when there is none.</summary>
    public static string? Choose(string scope, IEnumerable<string> silos)
    {
        var ordered = Order(silos);
        return ordered.Count == 0 ? null : ordered[Index(scope, ordered.Count)];
    }

    /// <summary>Distinct, ordinal order of the silos' address texts: the same list on every silo.</summary>
    public static IReadOnlyList<string> Order(IEnumerable<string> silos) =>
        [.. silos.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];

    internal static uint Hash(string scope)
    {
        var hash = 2166136261u;
        foreach (var b in Encoding.UTF8.GetBytes(scope))
        {
            hash ^= b;
            hash *= 16777619u;
        }
        return hash;
    }
}
