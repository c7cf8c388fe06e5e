using Gemba.Api.Components.Live;
using Gemba.Beads;
using Gemba.Events;
using Gemba.WorkPlanes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Gemba.Unit.Tests.Ui;

public sealed class LiveMetricsTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Counts_dispatches_per_minute_and_measures_latency_from_the_first_sample_that_saw_the_bead_ready()
    {
        var time = new FakeTimeProvider(Start);
        var metrics = New(time);
        metrics.RecordSnapshot(Snapshot(Start, "a", "b"));
        metrics.RecordSnapshot(Snapshot(Start.AddSeconds(10), "a", "b"));
        metrics.RecordDispatch(Dispatched(Start.AddSeconds(12), "a"));
        time.Advance(TimeSpan.FromMinutes(1));
        metrics.RecordDispatch(Dispatched(time.GetUtcNow(), "b"));

        var hour = metrics.LastHour();
        Assert.Equal(60, hour.Count);
        Assert.Equal((1, 2, 12.0), (hour[^2].Dispatches, hour[^2].ReadyDepth!.Value, hour[^2].LatencySeconds!.Value));
        Assert.Equal((1, 60.0), (hour[^1].Dispatches, hour[^1].LatencySeconds!.Value));
        Assert.Null(hour[^1].ReadyDepth);
    }

    [Fact]
    public void Forgets_minutes_older_than_an_hour_and_beads_no_longer_ready()
    {
        var time = new FakeTimeProvider(Start);
        var metrics = New(time);
        metrics.RecordSnapshot(Snapshot(Start, "a"));
        metrics.RecordDispatch(Dispatched(Start, "x"));
        // "a" left the ready set (claimed elsewhere, closed): its later dispatch has no latency to report.
        metrics.RecordSnapshot(Snapshot(Start.AddSeconds(10)));
        metrics.RecordDispatch(Dispatched(Start.AddSeconds(20), "a"));
        Assert.Null(metrics.LastHour()[^1].LatencySeconds);

        time.Advance(TimeSpan.FromMinutes(60));
        Assert.All(metrics.LastHour(), m => Assert.Equal(0, m.Dispatches));
        // The slot the old minute used is reused, not added to.
        metrics.RecordDispatch(Dispatched(time.GetUtcNow(), "y"));
        Assert.Equal(1, metrics.LastHour()[^1].Dispatches);
    }

    [Fact]
    public void Ready_depth_leaves_out_parked_assigned_and_blocked_beads()
    {
        var blocker = new Bead { Id = "blocker" };
        var beads = new[]
        {
            blocker,
            new Bead { Id = "parked", Labels = [BeadQueries.ParkedLabel] },
            new Bead { Id = "held", Assignee = "someone" },
            new Bead { Id = "blocked", Dependencies = [new BeadDependency("blocker", DependencyTypes.Blocks)] },
            new Bead { Id = "epic", IssueType = "epic" },
            new Bead { Id = "free" },
        };
        var ready = BeadQueries.Ready(new WorkPlaneSnapshot(beads, [], Start), Start).Select(b => b.Id);
        Assert.Equal(["blocker", "free"], ready);
    }

    private static LiveMetrics New(TimeProvider time) => new(new ServiceCollection().BuildServiceProvider(), time, NullLogger<LiveMetrics>.Instance);

    private static WorkPlaneSnapshot Snapshot(DateTimeOffset at, params string[] ids) => new(ids.Select(id => new Bead { Id = id }).ToList(), [], at);

    private static GembaEvent Dispatched(DateTimeOffset at, string bead) => new(GembaEventKinds.Dispatched, at, "local", "engineer", "s-1", bead, "working");
}
