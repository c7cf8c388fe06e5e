using Gemba.Beads;
using Gemba.Grains.Dispatch;
using Gemba.WorkItems;

namespace Gemba.Unit.Tests.Dispatch;

public sealed class FailurePolicyTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Backoff = TimeSpan.FromSeconds(30);
    private const string Parked = "gemba:parked";

    [Fact]
    public void Failures_count_once_per_session_back_off_doubling_and_park_at_the_limit()
    {
        var first = FailurePolicy.Count(null, "s-1", "crash", T0, T0, 3, Backoff)!;
        Assert.Equal((1, T0 + Backoff, false), (first.Count, first.RetryAfter, first.Parked));
        Assert.Null(FailurePolicy.Count(first, "s-1", "crash again", T0, T0, 3, Backoff));

        var second = FailurePolicy.Count(first, "s-2", "crash", T0, T0, 3, Backoff)!;
        Assert.Equal(T0 + 2 * Backoff, second.RetryAfter);
        var third = FailurePolicy.Count(second, "s-3", "still", T0, T0, 3, Backoff)!;
        Assert.True(third.Parked);
        Assert.Equal("parked after 3 failed attempts; last: still", FailurePolicy.Describe(third));
        Assert.StartsWith("attempt 2 failed: crash; retry after", FailurePolicy.Describe(second));
    }

    [Fact]
    public void The_back_off_runs_from_the_failure_not_from_when_the_dispatcher_hears_of_it()
    {
        // Heard 20 s late (a one-way call queued behind a cycle, or found by the next reconcile): 10 s left to wait.
        var late = FailurePolicy.Count(null, "s-1", "crash", T0, T0.AddSeconds(20), 3, Backoff)!;
        Assert.Equal(T0 + Backoff, late.RetryAfter);
        // A failure time ahead of the dispatcher's clock (another silo's) counts from the dispatcher's now.
        var ahead = FailurePolicy.Count(null, "s-1", "crash", T0.AddSeconds(5), T0, 3, Backoff)!;
        Assert.Equal(T0 + Backoff, ahead.RetryAfter);
        // No failure time at all is not "long ago": the bead still waits its whole back-off.
        var unknown = FailurePolicy.Count(null, "s-1", "crash", default, T0, 3, Backoff)!;
        Assert.Equal(T0 + Backoff, unknown.RetryAfter);
    }

    [Fact]
    public void A_bead_is_held_back_by_its_labels_its_back_off_or_a_park_this_cycle_made()
    {
        var bead = new Bead { Id = "b" };
        var waiting = FailurePolicy.Count(null, "s-1", "crash", T0, T0, 3, Backoff)!;
        var parked = waiting with { Parked = true };

        Assert.Equal(FailurePolicy.Hold.None, FailurePolicy.HoldOf(bead, null, false, T0, Parked));
        Assert.Equal(FailurePolicy.Hold.Held, FailurePolicy.HoldOf(bead with { Labels = [Parked] }, null, false, T0, Parked));
        Assert.Equal(FailurePolicy.Hold.Held, FailurePolicy.HoldOf(bead with { Labels = [StateCategories.BacklogLabel] }, null, false, T0, Parked));
        Assert.Equal(FailurePolicy.Hold.Held, FailurePolicy.HoldOf(bead, waiting, false, T0, Parked));
        Assert.Equal(FailurePolicy.Hold.None, FailurePolicy.HoldOf(bead, waiting, false, T0 + Backoff, Parked));
        // Parked but without its label: parked by this very cycle (label not read yet), or unparked by hand.
        Assert.Equal(FailurePolicy.Hold.Held, FailurePolicy.HoldOf(bead, parked, true, T0, Parked));
        Assert.Equal(FailurePolicy.Hold.Forget, FailurePolicy.HoldOf(bead, parked, false, T0, Parked));
    }
}
