using Gemba.Silo.Processes;
using Gemba.Silo.WorkPlanes;

namespace Gemba.Adapters.Tests;

/// <summary>docs/bead-file.md promises that gemba's lock is an flock(2) a shell tool can take part in.</summary>
public sealed class JsonlLockProtocolTests : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private Task<ProcessResult> TryFlock(string path) => ProcessRunner.RunAsync("flock", ["--nonblock", "--exclusive", path, "true"], Limit);

    [Fact]
    public async Task Gemba_lock_is_an_flock_that_the_flock_tool_sees_both_ways()
    {
        var lockPath = _dir.Combine("issues.jsonl.lock");
        using (await ExclusiveFileLock.AcquireAsync(lockPath, Limit, CancellationToken.None))
        {
            Assert.False((await TryFlock(lockPath)).Succeeded, "flock(1) took the lock while gemba held it");
        }
        Assert.True((await TryFlock(lockPath)).Succeeded, "flock(1) could not take the lock after gemba let it go");

        // and the other way round: while a shell tool holds it, gemba gives up after its timeout
        var fifo = _dir.Combine("release");
        Assert.True((await ProcessRunner.RunAsync("mkfifo", [fifo], Limit)).Succeeded);
        var locked = _dir.Combine("locked");
        var holder = ProcessRunner.RunAsync("flock", ["--exclusive", lockPath, "bash", "-c", "touch \"$1\"; read _ < \"$2\"", "_", locked, fifo], Limit);
        var deadline = DateTime.UtcNow + Limit;
        while (!File.Exists(locked))
        {
            Assert.True(DateTime.UtcNow < deadline, "the flock holder never started");
            await Task.Yield();
        }
        await Assert.ThrowsAsync<TimeoutException>(() => ExclusiveFileLock.AcquireAsync(lockPath, TimeSpan.FromMilliseconds(200), CancellationToken.None));
        await File.WriteAllTextAsync(fifo, "go\n");
        Assert.True((await holder).Succeeded);
        using (await ExclusiveFileLock.AcquireAsync(lockPath, Limit, CancellationToken.None)) { }
    }
}
