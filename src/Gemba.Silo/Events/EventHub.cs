using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Gemba.Events;

namespace Gemba.Silo.Events;

/// <summary>
/// Fan-out of <see cref="GembaEvent"/>s to the SSE subscribers of this process. Each subscriber
/// has a bounded channel that drops its oldest events when it falls behind.
/// </summary>
internal sealed class EventHub : IGembaEvents
{
    private readonly Lock _gate = new();
    private readonly List<Channel<GembaEvent>> _subscribers = [];

    public void Publish(GembaEvent @event)
    {
        lock (_gate)
        {
            foreach (var subscriber in _subscribers) subscriber.Writer.TryWrite(@event);
        }
    }

    public async IAsyncEnumerable<GembaEvent> SubscribeAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var channel = Channel.CreateBounded<GembaEvent>(new BoundedChannelOptions(1024)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
        });
        lock (_gate) _subscribers.Add(channel);
        try
        {
            await foreach (var e in channel.Reader.ReadAllAsync(cancellationToken)) yield return e;
        }
        finally
        {
            lock (_gate) _subscribers.Remove(channel);
        }
    }
}
