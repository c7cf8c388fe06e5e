using Gemba.Escalations;
using Gemba.Grains.Escalations;

namespace Gemba.Unit.Tests.Escalations;

public sealed class EscalationBookTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    private static Escalation Open(string id, string message = "dirty") =>
        new(id, "s-1", "local", "dev", "b-1", EscalationKinds.DirtyWorktree, message, ["scratch.txt"], T0);

    [Fact]
    public void An_update_that_arrives_after_its_resolution_does_not_reopen_it()
    {
        var book = new EscalationBook();
        Assert.True(book.Upsert(Open("e-1")));
        Assert.True(book.Upsert(Open("e-1") with { ResolvedAt = T0.AddMinutes(1), Resolution = "clean" }));

        // The one-way update sent before the resolution lands late.
        Assert.False(book.Upsert(Open("e-1", "dirty again")));

        var list = book.ToList();
        Assert.Empty(list.Open);
        Assert.Equal("clean", Assert.Single(list.Resolved).Resolution);
    }

    [Fact]
    public void An_open_escalation_is_updated_in_place_and_a_new_id_opens_a_new_one()
    {
        var book = new EscalationBook();
        book.Upsert(Open("e-1"));
        var updated = Open("e-1", "dirty: two files");
        Assert.True(book.Upsert(updated));
        Assert.False(book.Upsert(updated));
        Assert.True(book.Upsert(Open("e-2")));
        Assert.Equal(["e-1", "e-2"], book.ToList().Open.Select(e => e.Id));
        Assert.Equal("dirty: two files", book.ToList().Open[0].Message);
    }
}
