using Gemba.Config;
using Gemba.Dispatch;
using Gemba.Events;
using Gemba.Pools;
using Gemba.Sessions;

namespace Gemba.Grains.Config;

/// <summary>
/// The pool configuration in force. Applying a new one pushes it to every pool (removed pools get
/// null and drain) and wakes every dispatcher: this is the hot reload.
/// </summary>
[GrainType("config")]
internal sealed class ConfigGrain(
    [PersistentState("config", GembaStorage.Name)] IPersistentState<ResolvedConfigState> state,
    IGembaEvents events,
    TimeProvider time) : Grain, IConfigGrain
{
    public async Task Apply(ResolvedConfig config)
    {
        var previous = state.State.Config ?? ResolvedConfig.Empty;
        state.State.Config = config;

        var removed = previous.Pools.Select(p => p.Key).Except(config.Pools.Select(p => p.Key)).ToList();
        await Task.WhenAll(
            config.Pools.Select(p => GrainFactory.GetGrain<IPoolGrain>(p.Key.ToString()).Configure(p))
                .Concat(removed.Select(k => GrainFactory.GetGrain<IPoolGrain>(k.ToString()).Configure(null))));
        await TrackRetired(removed, config);
        await state.WriteStateAsync();

        foreach (var scope in config.Scopes)
        {
            var dispatcher = GrainFactory.GetGrain<IDispatcherGrain>(scope);
            await dispatcher.Start();
            await dispatcher.Poke();
        }
        events.Publish(new GembaEvent(GembaEventKinds.ConfigApplied, time.GetUtcNow(), Message: $"{config.Pools.Count} pool(s) in force"));
    }

    public Task<ResolvedConfig> Get() => Task.FromResult(state.State.Config ?? ResolvedConfig.Empty);

    public Task<IReadOnlyList<PoolKey>> GetRetired() => Task.FromResult<IReadOnlyList<PoolKey>>([.. state.State.Retired]);

    /// <summary>
    /// Pools removed by this config are remembered while they still have members (finishing their
    /// beads), so the views keep showing that work; a pool back in the config, or whose members have
    /// all ended, is forgotten.
    /// </summary>
    private async Task TrackRetired(IReadOnlyList<PoolKey> removed, ResolvedConfig config)
    {
        var inForce = config.Pools.Select(p => p.Key).ToHashSet();
        var candidates = state.State.Retired.Concat(removed).Where(k => !inForce.Contains(k)).Distinct().ToList();
        var views = await Task.WhenAll(candidates.Select(k => GrainFactory.GetGrain<IPoolGrain>(k.ToString()).GetView()));
        state.State.Retired = [.. candidates.Where((_, i) => views[i].Members.Any(m => !m.Status.IsTerminal()))];
    }
}

[GenerateSerializer, Alias("gemba.state.ResolvedConfigState")]
public sealed class ResolvedConfigState
{
    [Id(0)] public ResolvedConfig? Config { get; set; }

    /// <summary>Removed pools whose members were still live when they were removed.</summary>
    [Id(1)] public List<PoolKey> Retired { get; set; } = [];
}
