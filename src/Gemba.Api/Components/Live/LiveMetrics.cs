using Gemba.Events;
using Gemba.WorkPlanes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Gemba.Api.Components.Live;

/// <summary>One minute of the overview's charts.</summary>
/// <param name="ReadyDepth">The last ready-queue depth sampled in the minute; null when none was.</param>
/// <param name="LatencySeconds">Mean seconds from first seen ready to dispatched; null without a measured dispatch.</param>
internal sealed record MetricsMinute(DateTimeOffset Minute, int Dispatches, int? ReadyDepth, double? LatencySeconds);

/// <summary>
/// The last hour of dispatch activity for the overview, kept once per server rather than per open
/// page: dispatches per minute (from <c>dispatch.dispatched</c>), ready-queue depth (sampled from the
/// work plane every <see cref="SampleEvery"/>) and dispatch latency, measured from the first sample
/// that saw the bead ready (so it can be short by up to one sample interval). Memory is bounded: 60
/// buckets, and readiness times only for beads the latest snapshot still has.
/// </summary>
/// <remarks>
/// The event hub and the work plane are looked up rather than required: a host assembled with only
/// the HTTP pipeline (tests of the pipeline itself) has neither, and then the charts simply stay empty.
/// </remarks>
internal sealed partial class LiveMetrics(IServiceProvider services, TimeProvider time, ILogger<LiveMetrics> logger)
    : BackgroundService
{
    public const int Minutes = 60;
    public static readonly TimeSpan SampleEvery = TimeSpan.FromSeconds(10);

    private readonly Lock _gate = new();
    private readonly Bucket[] _buckets = new Bucket[Minutes];
    private readonly Dictionary<string, DateTimeOffset> _firstSeenReady = new(StringComparer.Ordinal);

    /// <summary>The last hour, oldest minute first, one entry per minute (empty minutes included).</summary>
    public IReadOnlyList<MetricsMinute> LastHour()
    {
        var now = MinuteOf(time.GetUtcNow());
        var result = new List<MetricsMinute>(Minutes);
        lock (_gate)
        {
            for (var i = Minutes - 1; i >= 0; i--)
            {
                var minute = now.AddMinutes(-i);
                var b = _buckets[Slot(minute)];
                result.Add(b.Minute == minute
                    ? new MetricsMinute(minute, b.Dispatches, b.ReadyDepth, b.LatencyCount > 0 ? b.LatencySum / b.LatencyCount : null)
                    : new MetricsMinute(minute, 0, null, null));
            }
        }
        return result;
    }

    /// <summary>The latest sampled ready depth, if any sample succeeded.</summary>
    public int? ReadyDepthNow { get; private set; }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        services.GetService<IGembaEvents>() is { } events && services.GetService<IWorkPlane>() is { } workPlane
            ? Task.WhenAll(ListenAsync(events, stoppingToken), SampleAsync(workPlane, stoppingToken))
            : Task.CompletedTask;

    private async Task ListenAsync(IGembaEvents events, CancellationToken ct)
    {
        try
        {
            await foreach (var e in events.SubscribeAsync(ct))
                if (e.Kind == GembaEventKinds.Dispatched) RecordDispatch(e);
        }
        catch (OperationCanceledException) { }
    }

    private async Task SampleAsync(IWorkPlane workPlane, CancellationToken ct)
    {
        using var timer = new PeriodicTimer(SampleEvery, time);
        try
        {
            do
            {
                try { RecordSnapshot(await workPlane.SnapshotAsync(ct)); }
                catch (Exception ex) when (ex is not OperationCanceledException) { LogSampleFailed(logger, ex); }
            }
            while (await timer.WaitForNextTickAsync(ct));
        }
        catch (OperationCanceledException) { }
    }

    internal void RecordDispatch(GembaEvent e)
    {
        lock (_gate)
        {
            ref var b = ref BucketFor(e.At);
            b.Dispatches++;
            if (e.BeadId is { } bead && _firstSeenReady.Remove(bead, out var ready) && e.At >= ready)
            {
                b.LatencySum += (e.At - ready).TotalSeconds;
                b.LatencyCount++;
            }
        }
    }

    internal void RecordSnapshot(WorkPlaneSnapshot snapshot)
    {
        var ready = BeadQueries.Ready(snapshot, snapshot.TakenAt).Select(b => b.Id).ToHashSet(StringComparer.Ordinal);
        lock (_gate)
        {
            foreach (var id in _firstSeenReady.Keys.Where(id => !ready.Contains(id)).ToList()) _firstSeenReady.Remove(id);
            foreach (var id in ready) _firstSeenReady.TryAdd(id, snapshot.TakenAt);
            BucketFor(snapshot.TakenAt).ReadyDepth = ready.Count;
            ReadyDepthNow = ready.Count;
        }
    }

    private ref Bucket BucketFor(DateTimeOffset at)
    {
        var minute = MinuteOf(at);
        ref var b = ref _buckets[Slot(minute)];
        if (b.Minute != minute) b = new Bucket { Minute = minute };
        return ref b;
    }

    private static DateTimeOffset MinuteOf(DateTimeOffset at) =>
        new(at.UtcTicks - at.UtcTicks % TimeSpan.TicksPerMinute, TimeSpan.Zero);

    private static int Slot(DateTimeOffset minute) => (int)(minute.UtcTicks / TimeSpan.TicksPerMinute % Minutes);

    private struct Bucket
    {
        public DateTimeOffset Minute;
        public int Dispatches;
        public int? ReadyDepth;
        public double LatencySum;
        public int LatencyCount;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Live metrics: the work-plane sample failed; the ready-depth chart skips this sample")]
    private static partial void LogSampleFailed(ILogger logger, Exception ex);
}
