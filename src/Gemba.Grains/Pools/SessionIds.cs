using System.Security.Cryptography;
using Gemba.Pools;

namespace Gemba.Grains.Pools;

/// <summary>Session ids are URL-safe (<c>persona-scope-xxxxxxxx</c>) and never reused.</summary>
public static class SessionIds
{
    public static string New(PoolKey pool) =>
        $"{pool.Persona}-{pool.Scope}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}";
}
