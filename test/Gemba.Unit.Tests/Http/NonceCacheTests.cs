using Gemba.Api.Http;
using Microsoft.Extensions.Time.Testing;

namespace Gemba.Unit.Tests.Http;

public sealed class NonceCacheTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero));

    private NonceCache Cache(int maxEntries = 100, long maxTotalBytes = 1_000_000, int maxEntryBytes = 10_000) =>
        new(_time, new NonceCacheLimits(maxEntries, maxTotalBytes, maxEntryBytes, TimeSpan.FromMinutes(5)));

    private static NonceResponse Answer(int status = 200, int bytes = 10) => new(status, "application/json", new byte[bytes]);

    [Fact]
    public void The_first_use_runs_and_a_replay_gets_the_same_answer()
    {
        var cache = Cache();
        Assert.IsType<NonceClaim.Run>(cache.Claim("k"));
        var answer = Answer();
        cache.Complete("k", answer);

        var replay = Assert.IsType<NonceClaim.Replay>(cache.Claim("k"));
        Assert.Same(answer, replay.Response);
        Assert.IsType<NonceClaim.Run>(cache.Claim("other"));
    }

    [Fact]
    public async Task A_second_request_while_the_first_runs_waits_for_its_answer()
    {
        var cache = Cache();
        Assert.IsType<NonceClaim.Run>(cache.Claim("k"));
        var wait = Assert.IsType<NonceClaim.Wait>(cache.Claim("k"));
        Assert.False(wait.Outcome.IsCompleted);

        var answer = Answer(202);
        cache.Complete("k", answer);
        Assert.Same(answer, await wait.Outcome.WaitAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task An_abandoned_run_frees_the_nonce_and_tells_the_waiter_to_claim_again()
    {
        var cache = Cache();
        Assert.IsType<NonceClaim.Run>(cache.Claim("k"));
        var wait = Assert.IsType<NonceClaim.Wait>(cache.Claim("k"));

        cache.Abandon("k");
        Assert.Null(await wait.Outcome.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.IsType<NonceClaim.Run>(cache.Claim("k"));
        Assert.Equal(0, cache.AnsweredCount);
    }

    [Fact]
    public void An_answer_expires_after_the_ttl()
    {
        var cache = Cache();
        cache.Claim("k");
        cache.Complete("k", Answer());

        _time.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromSeconds(1));
        Assert.IsType<NonceClaim.Replay>(cache.Claim("k"));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.IsType<NonceClaim.Run>(cache.Claim("k"));
    }

    [Fact]
    public async Task An_answer_over_the_entry_cap_is_not_kept_but_its_replay_does_not_run_again()
    {
        var cache = Cache(maxEntryBytes: 1000);
        cache.Claim("k");
        var wait = Assert.IsType<NonceClaim.Wait>(cache.Claim("k"));
        var big = Answer(200, 5000);
        cache.Complete("k", big);

        // Whoever was waiting still gets the whole answer; later replays get a marker.
        Assert.Same(big, await wait.Outcome.WaitAsync(TimeSpan.FromSeconds(5)));
        var marker = Assert.IsType<NonceClaim.RanUncached>(cache.Claim("k"));
        Assert.Equal((200, 5000), (marker.Status, marker.Bytes));
        Assert.True(cache.CachedBytes < 1000, $"a marker should cost well under the entry cap, cost {cache.CachedBytes}");
    }

    [Fact]
    public void The_cached_bytes_stay_under_the_total_cap_by_dropping_the_oldest()
    {
        var cache = Cache(maxTotalBytes: 50_000, maxEntryBytes: 10_000);
        for (var i = 0; i < 40; i++)
        {
            cache.Claim($"k{i}");
            cache.Complete($"k{i}", Answer(200, 9_000));
            Assert.True(cache.CachedBytes <= 50_000, $"after {i + 1} answers the cache holds {cache.CachedBytes} bytes");
        }
        Assert.IsType<NonceClaim.Replay>(cache.Claim("k39"));
        Assert.IsType<NonceClaim.Run>(cache.Claim("k0"));
    }

    [Fact]
    public void The_entry_count_is_capped_by_dropping_the_oldest()
    {
        var cache = Cache(maxEntries: 3);
        foreach (var key in new[] { "a", "b", "c", "d" })
        {
            cache.Claim(key);
            cache.Complete(key, Answer());
        }
        Assert.Equal(3, cache.AnsweredCount);
        Assert.IsType<NonceClaim.Run>(cache.Claim("a"));
        Assert.IsType<NonceClaim.Replay>(cache.Claim("d"));
    }

    [Fact]
    public void Expired_answers_release_their_bytes()
    {
        var cache = Cache();
        cache.Claim("k");
        cache.Complete("k", Answer(200, 5_000));
        Assert.True(cache.CachedBytes >= 5_000);

        _time.Advance(TimeSpan.FromMinutes(6));
        cache.Claim("other");
        Assert.Equal(0, cache.CachedBytes);
        Assert.Equal(0, cache.AnsweredCount);
    }
}
