using Gemba.Config;
using Gemba.Dispatch;
using Gemba.Events;
using Gemba.Pools;

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
        await state.WriteStateAsync();

        var removed = previous.Pools.Select(p => p.Key).Except(config.Pools.Select(p => p.Key));
        await Task.WhenAll(
            config.Pools.Select(p => GrainFactory.GetGrain<IPoolGrain>(p.Key.ToString()).Configure(p))
                .Concat(removed.Select(k => GrainFactory.GetGrain<IPoolGrain>(k.ToString()).Configure(null))));

        foreach (var scope in config.Scopes)
        {
            var dispatcher = GrainFactory.GetGrain<IDispatcherGrain>(scope);
            await dispatcher.Start();
            await dispatcher.Poke();
        }
        events.Publish(new GembaEvent(GembaEventKinds.ConfigApplied, time.GetUtcNow(), Message: $"{config.Pools.Count} pool(s) in force"));
    }

    public Task<ResolvedConfig> Get() => Task.FromResult(state.State.Config ?? ResolvedConfig.Empty);
}

public sealed class ResolvedConfigState
{
    public ResolvedConfig? Config { get; set; }
}
