using Gemba.Grains.Diagnostics;
using Gemba.Grains.Dispatch;
using Gemba.Grains.Dispatch.Placement;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.Hosting;

namespace Gemba.Grains;

public static class GrainsServiceCollectionExtensions
{
    /// <summary>Registers what the grains need besides the ports (work plane, orchestration plane, events).</summary>
    public static IServiceCollection AddGembaGrains(this IServiceCollection services, Action<DispatchOptions>? configure = null)
    {
        services.AddMetrics();
        // Every host of the dispatcher grain must know how to place it.
        services.AddPlacementDirector<ScopeSpreadPlacement, ScopeSpreadDirector>();
        services.TryAddSingleton<GembaInstruments>();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<Gemba.WorkItems.IWorkItems, WorkItems.WorkItemsService>();
        var options = services.AddOptions<DispatchOptions>();
        if (configure is not null) options.Configure(configure);
        return services;
    }
}
