using Orleans.Concurrency;
namespace Gemba.Config;

/// <summary>
/// The resolved pool configuration in force for the cluster. The silo that loads or saves the
/// files applies it here; the grain pushes it to pools and dispatchers (hot reload).
/// </summary>
[Alias("gemba.IConfigGrain")]
public interface IConfigGrain : IGrainWithStringKey
{
    public const string Key = "default";

    [Alias("Apply")]
    Task Apply(ResolvedConfig config);

    [Alias("Get"), AlwaysInterleave]
    Task<ResolvedConfig> Get();

    /// <summary>Pools no longer in the config whose members were still finishing their beads at the last apply.</summary>
    [Alias("GetRetired"), AlwaysInterleave]
    Task<IReadOnlyList<Gemba.Pools.PoolKey>> GetRetired();
}
