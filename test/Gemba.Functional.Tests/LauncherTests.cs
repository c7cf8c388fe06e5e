namespace Gemba.Functional.Tests;

/// <summary>The <c>./gemba</c> launcher: built once, and no build lock leaks into what it starts.</summary>
public sealed class LauncherTests
{
    [Fact]
    public async Task A_built_tree_runs_without_rebuilding_and_the_server_holds_no_build_lock()
    {
        using var dir = new TempDir();
        await GembaProcess.RunAsync(dir.Path, null, "--version"); // builds when the sources changed
        var (code, stdout, stderr) = await GembaProcess.RunAsync(dir.Path, null, "--version");
        Assert.Equal(0, code);
        Assert.NotEmpty(stdout.Trim());
        Assert.DoesNotContain("building", stderr);

        var port = GembaProcess.FreePort();
        await using var gemba = GembaProcess.Start(dir.Path, null, "serve", "--orchestration", "mock", "--work-plane", "jsonl", "--port", port.ToString());
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try { if ((await http.GetAsync("healthz")).IsSuccessStatusCode) break; }
            catch (HttpRequestException) { }
            if (gemba.HasExited || DateTime.UtcNow > deadline) Assert.Fail($"gemba did not come up.\n{gemba.Stdout}\n{gemba.Stderr}");
            await Task.Delay(100);
        }

        // Every agent and tmux server the server starts inherits its descriptors: none may be the build lock.
        var open = Directory.GetFiles($"/proc/{gemba.Pid}/fd").Select(fd => new FileInfo(fd).LinkTarget ?? "").ToList();
        Assert.NotEmpty(open);
        Assert.DoesNotContain(open, target => target.EndsWith("gemba.lock", StringComparison.Ordinal));
    }
}
