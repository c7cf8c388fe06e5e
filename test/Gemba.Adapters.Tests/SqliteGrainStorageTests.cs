using System.Collections.Immutable;
using Gemba.Silo.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans;
using Orleans.Runtime;
using Orleans.Storage;

namespace Gemba.Adapters.Tests;

public sealed class SqliteGrainStorageTests : IDisposable
{
    private static readonly GrainId Pool = GrainId.Create("pool", "local/engineer");

    private readonly TempDirectory _dir = new();

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }

    private string DbPath => _dir.Combine(".gemba", "state.db");

    private SqliteGrainStorage NewStorage() =>
        new("test", new SqliteGrainStorageOptions { DatabasePath = DbPath, GrainStorageSerializer = GembaStateFormat.CreateSerializer() }, NullLogger<SqliteGrainStorage>.Instance);

    private static PoolTestState SampleState() => new(
        "engineer",
        ["s-1", "s-2"],
        ImmutableDictionary<string, ImmutableArray<MemberTestInfo>>.Empty
            .Add("coder", [new MemberTestInfo("s-1", 2, new DateTimeOffset(2026, 5, 1, 10, 0, 0, TimeSpan.FromHours(2)))])
            .Add("reviewer", [new MemberTestInfo("s-2", 1, null)]),
        new DateTimeOffset(2026, 5, 1, 8, 30, 15, 123, TimeSpan.Zero),
        TestPoolMode.Draining);

    [Fact]
    public async Task Write_then_read_round_trips_a_record_with_nested_immutable_collections()
    {
        var storage = NewStorage();
        var written = new GrainState<PoolTestState> { State = SampleState() };
        await storage.WriteStateAsync("pool", Pool, written);
        Assert.True(written.RecordExists);
        Assert.NotNull(written.ETag);

        var read = new GrainState<PoolTestState>();
        await storage.ReadStateAsync("pool", Pool, read);

        Assert.True(read.RecordExists);
        Assert.Equal(written.ETag, read.ETag);
        var expected = SampleState();
        Assert.Equal(expected.Name, read.State!.Name);
        Assert.Equal(expected.Members.ToArray(), read.State.Members.ToArray());
        Assert.Equal(expected.ByRole.Keys.Order(), read.State.ByRole.Keys.Order());
        Assert.Equal(expected.ByRole["coder"].ToArray(), read.State.ByRole["coder"].ToArray());
        Assert.Equal(expected.ByRole["reviewer"].ToArray(), read.State.ByRole["reviewer"].ToArray());
        Assert.Equal(expected.UpdatedAt, read.State.UpdatedAt);
        Assert.Equal(expected.UpdatedAt.Offset, read.State.UpdatedAt.Offset);
        Assert.Equal(TimeSpan.FromHours(2), read.State.ByRole["coder"][0].LastSeen!.Value.Offset);
        Assert.Equal(TestPoolMode.Draining, read.State.Mode);
    }

    [Fact]
    public async Task Reading_a_missing_record_reports_no_record_and_no_etag()
    {
        var read = new GrainState<PoolTestState>();
        await NewStorage().ReadStateAsync("pool", Pool, read);
        Assert.False(read.RecordExists);
        Assert.Null(read.ETag);
    }

    [Fact]
    public async Task A_stale_etag_throws_InconsistentStateException()
    {
        var storage = NewStorage();
        var first = new GrainState<PoolTestState> { State = SampleState() };
        await storage.WriteStateAsync("pool", Pool, first);

        var stale = new GrainState<PoolTestState> { State = SampleState(), ETag = first.ETag };
        await storage.WriteStateAsync("pool", Pool, first); // moves the stored etag on
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("pool", Pool, stale));

        // a second "first write" (no etag) must not overwrite an existing row either
        var blind = new GrainState<PoolTestState> { State = SampleState() };
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("pool", Pool, blind));

        // and a stale clear is refused too
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.ClearStateAsync("pool", Pool, stale));
    }

    [Fact]
    public async Task Clear_deletes_the_record_and_resets_the_state()
    {
        var storage = NewStorage();
        var state = new GrainState<PoolTestState> { State = SampleState() };
        await storage.WriteStateAsync("pool", Pool, state);

        await storage.ClearStateAsync("pool", Pool, state);
        Assert.False(state.RecordExists);
        Assert.Null(state.ETag);
        Assert.NotEqual("engineer", state.State?.Name);

        var read = new GrainState<PoolTestState>();
        await storage.ReadStateAsync("pool", Pool, read);
        Assert.False(read.RecordExists);

        // after a clear the grain can write again from scratch
        state.State = SampleState();
        await storage.WriteStateAsync("pool", Pool, state);
        Assert.True(state.RecordExists);
    }

    [Fact]
    public async Task A_new_storage_instance_on_the_same_file_reads_the_state_back()
    {
        var written = new GrainState<PoolTestState> { State = SampleState() };
        await NewStorage().WriteStateAsync("pool", Pool, written);
        SqliteConnection.ClearAllPools();

        var read = new GrainState<PoolTestState>();
        await NewStorage().ReadStateAsync("pool", Pool, read);
        Assert.True(read.RecordExists);
        Assert.Equal(written.ETag, read.ETag);
        Assert.Equal(["s-1", "s-2"], read.State!.Members.ToArray());

        // and the etag carried across the restart still guards writes
        await NewStorage().WriteStateAsync("pool", Pool, read);
        await Assert.ThrowsAsync<InconsistentStateException>(() => NewStorage().WriteStateAsync("pool", Pool, written));
    }

    [Fact]
    public async Task The_payload_is_plain_json_without_type_names()
    {
        await NewStorage().WriteStateAsync("pool", Pool, new GrainState<PoolTestState> { State = SampleState() });

        await using var connection = new SqliteConnection($"Data Source={DbPath}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT grain_type, grain_id, state_name, payload FROM grain_state";
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal("pool", reader.GetString(0));
        Assert.Equal("local/engineer", reader.GetString(1));
        Assert.Equal("pool", reader.GetString(2));
        var payload = reader.GetString(3);
        Assert.DoesNotContain("$type", payload);
        Assert.DoesNotContain("Gemba.", payload);
        Assert.Contains("\"Draining\"", payload);
    }

    [Fact]
    public async Task Concurrent_writes_to_different_grains_all_land()
    {
        var storage = NewStorage();
        const int grains = 24;
        const int writesEach = 15;
        await Task.WhenAll(Enumerable.Range(0, grains).Select(g => Task.Run(async () =>
        {
            var id = GrainId.Create("pool", $"local/p{g}");
            var state = new GrainState<CounterTestState> { State = new CounterTestState(0, []) };
            for (var i = 1; i <= writesEach; i++)
            {
                state.State = state.State with { Count = i, Seen = state.State.Seen.Add(i) };
                await storage.WriteStateAsync("counter", id, state);
            }
        })));

        var fresh = NewStorage();
        for (var g = 0; g < grains; g++)
        {
            var read = new GrainState<CounterTestState>();
            await fresh.ReadStateAsync("counter", GrainId.Create("pool", $"local/p{g}"), read);
            Assert.Equal(writesEach, read.State!.Count);
            Assert.Equal(writesEach, read.State.Seen.Length);
            Assert.Equal(writesEach.ToString(), read.ETag);
        }
    }

    [Fact]
    public async Task Commit_probe_reports_a_positive_rate_and_leaves_no_rows()
    {
        var rate = await SqliteCommitProbe.CommitsPerSecondAsync(DbPath, 50);
        Assert.True(rate > 0);

        var read = new GrainState<CounterTestState>();
        await NewStorage().ReadStateAsync("probe", GrainId.Create("probe", "probe/0"), read);
        Assert.False(read.RecordExists);
    }
}

public enum TestPoolMode
{
    Active,
    Draining,
}

public sealed record MemberTestInfo(string Id, int Slots, DateTimeOffset? LastSeen);

public sealed record PoolTestState(
    string Name,
    ImmutableArray<string> Members,
    ImmutableDictionary<string, ImmutableArray<MemberTestInfo>> ByRole,
    DateTimeOffset UpdatedAt,
    TestPoolMode Mode);

public sealed record CounterTestState(int Count, ImmutableArray<int> Seen);
