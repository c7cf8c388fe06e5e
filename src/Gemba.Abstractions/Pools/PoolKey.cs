using System.Text.RegularExpressions;

namespace Gemba.Pools;

/// <summary>
/// The identity of a pool: <c>(scope, persona)</c>, written <c>scope/persona</c> as a grain key.
/// Both parts are validated names so the composed key always splits back unambiguously.
/// </summary>
[GenerateSerializer, Immutable, Alias("gemba.PoolKey")]
public readonly partial record struct PoolKey(string Scope, string Persona)
{
    public const string LocalScope = "local";

    public override string ToString() => $"{Scope}/{Persona}";

    public static PoolKey Parse(string key)
    {
        var slash = key.IndexOf('/');
        if (slash <= 0 || slash == key.Length - 1 || key.IndexOf('/', slash + 1) >= 0)
            throw new FormatException($"pool key '{key}' is not of the form scope/persona");
        var result = new PoolKey(key[..slash], key[(slash + 1)..]);
        Names.EnsureValid(result.Scope, "scope");
        Names.EnsureValid(result.Persona, "persona");
        return result;
    }
}

/// <summary>Validation of the names operators type: scopes (rigs), personas, polecats, agent types.</summary>
public static partial class Names
{
    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]
    private static partial Regex ValidName();

    public static bool IsValid(string? name) => name is not null && ValidName().IsMatch(name);

    public static void EnsureValid(string? name, string what)
    {
        if (!IsValid(name))
            throw new ArgumentException(
                $"{what} '{name}' is not a valid name: use letters, digits, '.', '_' or '-', starting with a letter or digit, at most 64 characters");
    }
}
