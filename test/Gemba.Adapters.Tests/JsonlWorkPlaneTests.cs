using System.Text;
using Gemba.Beads;
using Gemba.Grains.Dispatch;
using Gemba.Silo.WorkPlanes;
using Gemba.WorkPlanes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Gemba.Adapters.Tests;

public sealed class JsonlWorkPlaneTests : IDisposable
{
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(10);

    private readonly TempDirectory _dir = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 6, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly List<JsonlWorkPlane> _planes = [];

    public JsonlWorkPlaneTests()
    {
        File.Copy(Path.Combine(AppContext.BaseDirectory, "fixtures", "mixed.jsonl"), FilePath);
    }

    public void Dispose()
    {
        foreach (var plane in _planes) plane.Dispose();
        _dir.Dispose();
    }

    private string FilePath => _dir.Combine(JsonlWorkPlane.FileName);

    private JsonlWorkPlane NewPlane()
    {
        var plane = new JsonlWorkPlane(_dir.Path, _time, NullLogger.Instance);
        _planes.Add(plane);
        return plane;
    }

    private static List<byte[]> RawLines(byte[] content)
    {
        var lines = new List<byte[]>();
        var start = 0;
        for (var i = 0; i < content.Length; i++)
        {
            if (content[i] != '\n') continue;
            lines.Add(content[start..i]);
            start = i + 1;
        }
        if (start < content.Length) lines.Add(content[start..]);
        return lines;
    }

    [Fact]
    public async Task Malformed_lines_are_reported_with_line_numbers_and_skipped()
    {
        var snapshot = await NewPlane().SnapshotAsync();

        Assert.Equal(["gm-a", "gm-b", "gm-c", "gm-d", "gm-e", "gm-f", "gm-epic"], snapshot.Beads.Select(b => b.Id));
        Assert.Equal(2, snapshot.Problems.Count);
        Assert.Equal("issues.jsonl:4", snapshot.Problems[0].Where);
        Assert.StartsWith("issues.jsonl:4: bad JSON", snapshot.Problems[0].ToString());
        Assert.Equal("issues.jsonl:6: missing id", snapshot.Problems[1].ToString());
        Assert.Equal(_time.GetUtcNow(), snapshot.TakenAt);
    }

    [Fact]
    public async Task Fields_are_read_with_beads_defaults()
    {
        var beads = (await NewPlane().SnapshotAsync()).Beads.ToDictionary(b => b.Id);

        Assert.Equal(BeadStatus.Open, beads["gm-b"].Status); // status omitted
        Assert.Equal(BeadKinds.Task, beads["gm-b"].IssueType); // issue_type omitted
        Assert.Equal([new BeadDependency("gm-c", DependencyTypes.Blocks)], beads["gm-b"].Dependencies);
        Assert.Equal("gm-epic", beads["gm-f"].Parent);
        Assert.Equal(["backend"], beads["gm-a"].Labels);
        Assert.Equal(1, beads["gm-a"].Priority);
        Assert.Equal("someone", beads["gm-c"].Assignee);
        Assert.Equal("ops", beads["gm-d"].Metadata["owner"]);
        Assert.Equal("3", beads["gm-d"].Metadata["weight"]);
        Assert.Equal("{\"a\":1}", beads["gm-d"].Metadata["nested"]);
        Assert.Equal(new DateTimeOffset(2999, 1, 1, 0, 0, 0, TimeSpan.Zero), beads["gm-d"].DeferUntil);
        Assert.True(beads["gm-e"].IsClosed);
    }

    [Fact]
    public async Task Claim_and_close_change_only_that_beads_line_and_keep_its_unknown_keys()
    {
        var original = await File.ReadAllBytesAsync(FilePath);
        var plane = NewPlane();

        Assert.Equal(ClaimStatus.Claimed, (await plane.ClaimAsync("gm-a", "alice")).Status);
        _time.Advance(TimeSpan.FromMinutes(5));
        Assert.True(await plane.CloseAsync("gm-a", "alice", "shipped"));

        var before = RawLines(original);
        var after = RawLines(await File.ReadAllBytesAsync(FilePath));
        Assert.Equal(before.Count, after.Count);
        for (var i = 1; i < before.Count; i++) Assert.Equal(before[i], after[i]); // malformed, memory, empty and other beads untouched

        var changed = Encoding.UTF8.GetString(after[0]);
        Assert.Contains("\"x_custom\":{\"keep\":[1,2.50,\"é\"]}", changed);
        Assert.Contains("\"comments\":[{\"id\":7,", changed);
        Assert.Contains("\"status\":\"closed\"", changed);
        Assert.Contains("\"assignee\":\"alice\"", changed);
        Assert.Contains("\"close_reason\":\"shipped\"", changed);
        Assert.Contains("\"started_at\":\"2026-06-01T12:00:00Z\"", changed);
        Assert.Contains("\"closed_at\":\"2026-06-01T12:05:00Z\"", changed);

        var closed = await NewPlane().GetAsync("gm-a");
        Assert.NotNull(closed);
        Assert.True(closed.IsClosed);
        Assert.Equal(_time.GetUtcNow(), closed.ClosedAt);
        Assert.Equal(2, (await plane.SnapshotAsync()).Problems.Count); // still reported, still there

        // the writer's cached view after its own rewrite matches a cold parse of the file
        static string Summary(WorkPlaneSnapshot s) =>
            string.Join(";", s.Beads.Select(b => $"{b.Id}:{b.Status}:{b.Assignee}:{string.Join(',', b.Labels)}:{b.StartedAt:O}:{b.ClosedAt:O}"));
        Assert.Equal(Summary(await NewPlane().SnapshotAsync()), Summary(await plane.SnapshotAsync()));
    }

    [Fact]
    public async Task Claim_is_a_compare_and_swap_on_the_ready_predicate()
    {
        var plane = NewPlane();

        Assert.Equal(ClaimStatus.Claimed, (await plane.ClaimAsync("gm-a", "alice")).Status);
        Assert.Equal(ClaimStatus.Claimed, (await plane.ClaimAsync("gm-a", "alice")).Status); // idempotent
        var second = await plane.ClaimAsync("gm-a", "bob");
        Assert.Equal(ClaimStatus.AlreadyClaimed, second.Status);
        Assert.Contains("alice", second.Message);

        var blocked = await plane.ClaimAsync("gm-b", "bob");
        Assert.Equal(ClaimStatus.NotClaimable, blocked.Status);
        Assert.Contains("blocked by gm-c", blocked.Message);

        var deferred = await plane.ClaimAsync("gm-d", "bob");
        Assert.Equal(ClaimStatus.NotClaimable, deferred.Status);
        Assert.Contains("deferred", deferred.Message);

        Assert.Equal(ClaimStatus.AlreadyClaimed, (await plane.ClaimAsync("gm-c", "bob")).Status);
        Assert.Equal(ClaimStatus.NotClaimable, (await plane.ClaimAsync("gm-e", "bob")).Status);
        Assert.Equal(ClaimStatus.NotClaimable, (await plane.ClaimAsync("gm-epic", "bob")).Status);
        Assert.Equal(ClaimStatus.NotFound, (await plane.ClaimAsync("gm-zzz", "bob")).Status);
        Assert.Equal(ClaimStatus.Claimed, (await plane.ClaimAsync("gm-f", "bob")).Status); // an open parent does not block

        // ready and claimable agree: every bead the predicate calls ready was claimable above, and no other
        var snapshot = await NewPlane().SnapshotAsync();
        var lookup = snapshot.Beads.ToDictionary(b => b.Id);
        Assert.DoesNotContain(snapshot.Beads, b => ReadySet.IsReady(b, id => lookup.GetValueOrDefault(id), _time.GetUtcNow()));
    }

    [Fact]
    public async Task Release_reopens_the_bead_keeps_started_at_and_it_is_ready_again()
    {
        var plane = NewPlane();
        await plane.ClaimAsync("gm-a", "alice");
        var firstStart = _time.GetUtcNow();
        _time.Advance(TimeSpan.FromMinutes(3));

        Assert.False(await plane.ReleaseAsync("gm-a", "bob"));
        Assert.True(await plane.ReleaseAsync("gm-a", "alice"));

        var snapshot = await plane.SnapshotAsync();
        var lookup = snapshot.Beads.ToDictionary(b => b.Id);
        var bead = lookup["gm-a"];
        Assert.Equal(BeadStatus.Open, bead.Status);
        Assert.Null(bead.Assignee);
        Assert.Equal(firstStart, bead.StartedAt);
        Assert.True(ReadySet.IsReady(bead, id => lookup.GetValueOrDefault(id), _time.GetUtcNow()));
        Assert.DoesNotContain("assignee", Encoding.UTF8.GetString(RawLines(await File.ReadAllBytesAsync(FilePath))[0]));

        _time.Advance(TimeSpan.FromMinutes(3));
        Assert.Equal(ClaimStatus.Claimed, (await plane.ClaimAsync("gm-a", "bob")).Status);
        Assert.Equal(firstStart, (await plane.GetAsync("gm-a"))!.StartedAt);
    }

    [Fact]
    public async Task Close_is_fenced_by_the_holder()
    {
        var plane = NewPlane();
        Assert.False(await plane.CloseAsync("gm-a", "alice", "not mine yet"));
        await plane.ClaimAsync("gm-a", "alice");
        Assert.False(await plane.CloseAsync("gm-a", "bob", "stolen"));
        Assert.Equal(BeadStatus.InProgress, (await plane.GetAsync("gm-a"))!.Status);
        Assert.True(await plane.CloseAsync("gm-a", "alice", "done"));
        Assert.True(await plane.CloseAsync("gm-a", "alice", "done")); // re-close is idempotent
        Assert.False(await plane.ReleaseAsync("gm-a", "alice")); // a closed bead is not reopened by a release
    }

    [Fact]
    public async Task Eight_concurrent_claims_of_one_bead_yield_exactly_one_winner()
    {
        // two instances on one directory stand in for two processes: only the lock file serialises them
        var planes = new[] { NewPlane(), NewPlane() };
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            Task.Run(() => planes[i % 2].ClaimAsync("gm-a", $"agent-{i}"))));

        Assert.Single(outcomes, o => o.Status == ClaimStatus.Claimed);
        Assert.Equal(7, outcomes.Count(o => o.Status == ClaimStatus.AlreadyClaimed));
        var holder = (await NewPlane().GetAsync("gm-a"))!.Assignee;
        Assert.StartsWith("agent-", holder);
    }

    [Fact]
    public async Task Concurrent_label_adds_are_all_applied_and_sorted()
    {
        var plane = NewPlane();
        var labels = Enumerable.Range(0, 20).Select(i => $"l{i:00}").Reverse().ToArray();
        await Task.WhenAll(labels.Select(l => Task.Run(() => plane.AddLabelAsync("gm-a", l))));
        await plane.AddLabelAsync("gm-a", "backend"); // already there: no change

        var bead = await NewPlane().GetAsync("gm-a");
        Assert.Equal(labels.Append("backend").Order(StringComparer.Ordinal), bead!.Labels);
        await Assert.ThrowsAsync<KeyNotFoundException>(() => plane.AddLabelAsync("gm-nope", "x"));

        await plane.RemoveLabelAsync("gm-a", "l07");
        await plane.RemoveLabelAsync("gm-a", "never-there");
        Assert.Equal(labels.Append("backend").Where(l => l != "l07").Order(StringComparer.Ordinal), (await NewPlane().GetAsync("gm-a"))!.Labels);
    }

    [Fact]
    public async Task Watcher_raises_Changed_for_an_external_append_but_not_for_our_own_write()
    {
        var plane = NewPlane();
        var changes = 0;
        var changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var ownWriteSeen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        plane.Changed += () =>
        {
            Interlocked.Increment(ref changes);
            changed.TrySetResult();
        };
        plane.WatcherChecked += raised =>
        {
            if (!raised) ownWriteSeen.TrySetResult();
        };

        await plane.ClaimAsync("gm-a", "alice");
        await ownWriteSeen.Task.WaitAsync(WaitLimit);
        Assert.Equal(0, Volatile.Read(ref changes));

        await File.AppendAllTextAsync(FilePath, "{\"id\":\"gm-new\",\"title\":\"added by bd export\"}\n");
        await changed.Task.WaitAsync(WaitLimit);
        Assert.Contains((await plane.SnapshotAsync()).Beads, b => b.Id == "gm-new");
    }

    [Fact]
    public async Task Snapshot_reuses_the_parse_of_an_unchanged_file_and_sees_a_replaced_one()
    {
        var plane = NewPlane();
        var first = await plane.SnapshotAsync();
        var second = await plane.SnapshotAsync();
        Assert.Same(first.Beads, second.Beads);

        // an atomic replace by another writer (same length would still differ in mtime)
        var temp = FilePath + ".ext";
        await File.WriteAllTextAsync(temp, "{\"id\":\"gm-only\"}\n");
        File.Move(temp, FilePath, overwrite: true);
        Assert.Equal(["gm-only"], (await plane.SnapshotAsync()).Beads.Select(b => b.Id));
    }

    [Fact]
    public async Task Ten_thousand_beads_parse_completely()
    {
        var builder = new StringBuilder();
        for (var i = 0; i < 10_000; i++)
        {
            builder.Append("{\"_type\":\"issue\",\"id\":\"gm-").Append(i)
                .Append("\",\"title\":\"Bead number ").Append(i)
                .Append("\",\"status\":\"open\",\"priority\":2,\"issue_type\":\"task\",\"created_at\":\"2026-05-01T10:00:00Z\",\"updated_at\":\"2026-05-01T10:00:00Z\",\"labels\":[\"a\",\"b\"],\"dependencies\":[{\"issue_id\":\"gm-")
                .Append(i).Append("\",\"depends_on_id\":\"gm-").Append(i / 2).Append("\",\"type\":\"blocks\"}]}\n");
        }
        await File.WriteAllTextAsync(FilePath, builder.ToString());

        var snapshot = await NewPlane().SnapshotAsync();
        Assert.Equal(10_000, snapshot.Beads.Count);
        Assert.Empty(snapshot.Problems);
    }

    [Fact]
    public async Task A_cancelled_claim_is_withdrawn_and_never_applied_later()
    {
        var original = await File.ReadAllBytesAsync(FilePath);
        var plane = NewPlane();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => plane.ClaimAsync("gm-a", "alice", new CancellationToken(canceled: true)));
        Assert.Equal(original, await File.ReadAllBytesAsync(FilePath));

        // the next write drains the queue: the withdrawn claim must not ride along
        Assert.Equal(ClaimStatus.Claimed, (await plane.ClaimAsync("gm-f", "bob")).Status);
        Assert.Null((await plane.GetAsync("gm-a"))!.Assignee);
    }

    [Fact]
    public async Task A_missing_file_is_an_empty_plane()
    {
        File.Delete(FilePath);
        var plane = NewPlane();
        Assert.Empty((await plane.SnapshotAsync()).Beads);
        Assert.Null(await plane.GetAsync("gm-a"));
        Assert.Equal(ClaimStatus.NotFound, (await plane.ClaimAsync("gm-a", "alice")).Status);
        Assert.Equal(new WorkPlaneInfo("jsonl", "1", "jsonl-file", FilePath), plane.Info);
    }
}
