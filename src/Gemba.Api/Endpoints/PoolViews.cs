using Gemba.Config;
using Gemba.Pools;

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
}
