using Gemba.Config;
using Gemba.Pools;
using Gemba.Sessions;

namespace Gemba.Api.Endpoints;

/// <summary>The pools in force and their live views, read in parallel; the pools and sessions lists share it.</summary>
internal static class PoolViews
{
    public static async Task<(ResolvedConfig Config, PoolView[] Views)> LoadAsync(IGrainFactory grains)
    {
        var config = await grains.GetGrain<IConfigGrain>(IConfigGrain.Key).Get();
        var views = await Task.WhenAll(config.Pools.Select(p => grains.GetGrain<IPoolGrain>(p.Key.ToString()).GetView()));
        return (config, views);
    }

    /// <summary>
    /// Removed pools that still have live members (draining: finishing their beads), so the lists keep
    /// showing work that is still going on after a pool is taken out of pool.toml.
    /// </summary>
    public static async Task<IReadOnlyList<(PoolKey Key, PoolView View)>> LoadRetiredAsync(IGrainFactory grains)
    {
        var keys = await grains.GetGrain<IConfigGrain>(IConfigGrain.Key).GetRetired();
        var views = await Task.WhenAll(keys.Select(k => grains.GetGrain<IPoolGrain>(k.ToString()).GetView()));
        return [.. keys.Zip(views).Where(p => p.Second.Members.Any(m => !m.Status.IsTerminal()))];
    }
}
