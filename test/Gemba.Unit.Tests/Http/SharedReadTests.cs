using Gemba.Api.Http;
using Microsoft.Extensions.Time.Testing;

namespace Gemba.Unit.Tests.Http;

public sealed class SharedReadTests
{
    private static readonly TimeSpan MaxAge = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan StaleAge = TimeSpan.FromSeconds(1);

    private readonly FakeTimeProvider _time = new();
    private readonly List<TaskCompletionSource<int>> _reads = [];
    private readonly SharedRead<int> _shared;

    public SharedReadTests() => _shared = new SharedRead<int>(() =>
    {
        var read = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_reads) _reads.Add(read);
        return read.Task;
    }, _time, MaxAge, StaleAge);

    private async Task<TaskCompletionSource<int>> ReadStarted(int count)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (true)
        {
            lock (_reads) if (_reads.Count >= count) return _reads[count - 1];
            await Task.Delay(1, timeout.Token); // the read starts on the thread pool, right after the caller returns
        }
    }

    private int Reads { get { lock (_reads) return _reads.Count; } }

    [Fact]
    public async Task Concurrent_callers_share_one_read_and_a_fresh_result_is_reused()
    {
        var first = _shared.GetAsync();
        var second = _shared.GetAsync();
        (await ReadStarted(1)).SetResult(1);

        Assert.Equal((1, 1), (await first, await second));
        _time.Advance(MaxAge / 2);
        Assert.Equal(1, await _shared.GetAsync());
        Assert.Equal(1, Reads);
    }

    [Fact]
    public async Task A_stale_result_is_answered_at_once_while_one_re_read_runs_behind_it()
    {
        var first = _shared.GetAsync();
        (await ReadStarted(1)).SetResult(1);
        await first;

        _time.Advance(MaxAge);
        Assert.Equal(1, await _shared.GetAsync()); // stale but within StaleAge: no wait
        Assert.Equal(1, await _shared.GetAsync());
        (await ReadStarted(2)).SetResult(2);
        await WaitUntil(async () => await _shared.GetAsync() == 2);
        Assert.Equal(2, Reads); // one re-read for all the stale answers
    }

    [Fact]
    public async Task Too_old_a_result_is_not_answered()
    {
        var first = _shared.GetAsync();
        (await ReadStarted(1)).SetResult(1);
        await first;

        _time.Advance(StaleAge);
        var next = _shared.GetAsync();
        Assert.False(next.IsCompleted);
        (await ReadStarted(2)).SetResult(2);
        Assert.Equal(2, await next);
    }

    [Fact]
    public async Task After_an_invalidation_no_caller_gets_a_read_that_started_before_it()
    {
        var first = _shared.GetAsync();
        (await ReadStarted(1)).SetResult(1);
        await first;
        var inFlight = _shared.GetAsync(); // fresh: the finished read
        Assert.Equal(1, await inFlight);

        _shared.Invalidate();
        var afterChange = _shared.GetAsync();
        Assert.False(afterChange.IsCompleted);
        (await ReadStarted(2)).SetResult(2);
        Assert.Equal(2, await afterChange);
    }

    [Fact]
    public async Task A_read_running_when_the_change_came_is_not_joined()
    {
        var before = _shared.GetAsync();
        var oldRead = await ReadStarted(1);
        _shared.Invalidate();
        var after = _shared.GetAsync();
        var newRead = await ReadStarted(2);

        oldRead.SetResult(1);
        Assert.Equal(1, await before);
        Assert.False(after.IsCompleted);
        newRead.SetResult(2);
        Assert.Equal(2, await after);
        Assert.Equal(2, await _shared.GetAsync());
    }

    [Fact]
    public async Task A_failed_read_is_not_kept()
    {
        var first = _shared.GetAsync();
        (await ReadStarted(1)).SetException(new TimeoutException("grain call timed out"));
        await Assert.ThrowsAsync<TimeoutException>(() => first);

        var next = _shared.GetAsync();
        (await ReadStarted(2)).SetResult(2);
        Assert.Equal(2, await next);
    }

    private static async Task WaitUntil(Func<Task<bool>> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!await condition()) await Task.Delay(1, timeout.Token);
    }
}
