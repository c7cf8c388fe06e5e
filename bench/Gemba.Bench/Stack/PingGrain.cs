namespace Gemba.Bench.Stack;

/// <summary>The cheapest possible grain call: the floor every other latency is compared with.</summary>
[Alias("bench.IPingGrain")]
public interface IPingGrain : IGrainWithIntegerKey
{
    [Alias("Ping")]
    ValueTask<int> Ping(int value);
}

internal sealed class PingGrain : Grain, IPingGrain
{
    public ValueTask<int> Ping(int value) => ValueTask.FromResult(value + 1);
}
