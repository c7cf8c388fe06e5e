using Gemba.Events;
using Gemba.Silo.Events;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace Gemba.Functional.Tests;

/// <summary>The live-event relay between processes of one service, on a real redis-server.</summary>
public sealed class RedisEventRelayTests
{
    [Fact]
    public async Task An_event_reaches_every_relay_of_the_service_once_and_no_other_service()
    {
        await using var redis = await RedisServer.StartAsync();
        var options = ConfigurationOptions.Parse($"127.0.0.1:{redis.Port}");
        await using var a = await Started(new RedisEventRelay(options, "svc", NullLogger<RedisEventRelay>.Instance));
        await using var b = await Started(new RedisEventRelay(options, "svc", NullLogger<RedisEventRelay>.Instance));
        await using var other = await Started(new RedisEventRelay(options, "other-svc", NullLogger<RedisEventRelay>.Instance));
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var seenByA = await Collect(a, stop.Token);
        var seenByB = await Collect(b, stop.Token);
        var seenByOther = await Collect(other, stop.Token);

        var at = DateTimeOffset.Parse("2026-12-01T10:00:00Z");
        a.Publish(new GembaEvent(GembaEventKinds.Dispatched, at, "local", "engineer", "s-1", "bd-1", "working", "new member"));
        b.Publish(new GembaEvent(GembaEventKinds.SessionChanged, at, "local", "engineer", "s-2", "bd-2", "ready", "bead-done"));
        // A marker sent last on each side: once it arrived everywhere, everything before it has too (one channel, in order).
        a.Publish(new GembaEvent("test.marker", at, Message: "a"));
        b.Publish(new GembaEvent("test.marker", at, Message: "b"));
        other.Publish(new GembaEvent("test.marker", at, Message: "other"));

        var fromA = await seenByA.UntilMarkers("a", "b");
        var fromB = await seenByB.UntilMarkers("a", "b");
        var fromOther = await seenByOther.UntilMarkers("other");

        // Own events locally, the other's through Redis: each exactly once, with every field intact.
        foreach (var seen in new[] { fromA, fromB })
        {
            Assert.Single(seen, e => e.Kind == GembaEventKinds.Dispatched);
            Assert.Single(seen, e => e.Kind == GembaEventKinds.SessionChanged);
            Assert.Contains(new GembaEvent(GembaEventKinds.Dispatched, at, "local", "engineer", "s-1", "bd-1", "working", "new member"), seen);
            Assert.Contains(new GembaEvent(GembaEventKinds.SessionChanged, at, "local", "engineer", "s-2", "bd-2", "ready", "bead-done"), seen);
        }
        Assert.DoesNotContain(fromOther, e => e.Kind != "test.marker");
        Assert.DoesNotContain(fromOther, e => e.Message is "a" or "b");
    }

    private static async Task<RedisEventRelay> Started(RedisEventRelay relay)
    {
        await relay.StartAsync(CancellationToken.None);
        return relay;
    }

    /// <summary>The relay registers a subscriber on its first read: publish probes locally until this one sees one.</summary>
    private static async Task<Collector> Collect(RedisEventRelay relay, CancellationToken stop)
    {
        var collector = new Collector(relay, stop);
        while (!collector.Probed)
        {
            relay.Publish(new GembaEvent("test.probe", DateTimeOffset.UtcNow));
            await collector.Changed(TimeSpan.FromMilliseconds(50));
            if (stop.IsCancellationRequested) Assert.Fail("a relay's subscriber never saw its own probe");
        }
        return collector;
    }

    /// <summary>Reads a relay's local stream in the background; waits for markers on the explicit arrival signal.</summary>
    private sealed class Collector
    {
        private readonly List<GembaEvent> _seen = [];
        private readonly SemaphoreSlim _arrived = new(0);
        private readonly CancellationToken _stop;

        public Collector(RedisEventRelay relay, CancellationToken stop)
        {
            _stop = stop;
            _ = Task.Run(async () =>
            {
                try
                {
                    await foreach (var e in relay.SubscribeAsync(stop))
                    {
                        lock (_seen) _seen.Add(e);
                        _arrived.Release();
                    }
                }
                catch (OperationCanceledException)
                {
                    // the test ended
                }
            }, CancellationToken.None);
        }

        public bool Probed { get { lock (_seen) return _seen.Any(e => e.Kind == "test.probe"); } }

        public Task Changed(TimeSpan atMost) => _arrived.WaitAsync(atMost, _stop).ContinueWith(_ => { }, TaskScheduler.Default);

        public async Task<List<GembaEvent>> UntilMarkers(params string[] markers)
        {
            while (true)
            {
                List<GembaEvent> seen;
                lock (_seen) seen = [.. _seen.Where(e => e.Kind != "test.probe")];
                var missing = markers.Where(m => !seen.Any(e => e.Kind == "test.marker" && e.Message == m)).ToList();
                if (missing.Count == 0) return seen;
                try
                {
                    await _arrived.WaitAsync(_stop);
                }
                catch (OperationCanceledException)
                {
                    Assert.Fail($"markers {string.Join(", ", missing)} never arrived; seen: {string.Join("; ", seen)}");
                }
            }
        }
    }
}
