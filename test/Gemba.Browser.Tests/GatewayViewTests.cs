using System.Diagnostics;
using System.Text.Json;
using Gemba.Functional.Tests;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Gemba.Browser.Tests;

/// <summary>
/// The web UI that <c>gemba gateway</c> serves, in a real chromium, in front of two real
/// <c>gemba serve --cluster redis</c> silos on a real redis-server. The gateway hosts no grain, so
/// every change its pages show was made on a silo and reached the gateway's circuit through Redis.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class GatewayViewTests
{
    private const int PoolSize = 3;
    private const int BeadCount = 6;
    private const int BeadMs = 2500;

    // LiveFeed's fallback re-read (src/Gemba.Api/Components/Live/LiveFeed.cs): two re-reads that
    // only the poll caused are at least this far apart, so anything quicker was an event's doing.
    private static readonly TimeSpan FallbackPoll = TimeSpan.FromSeconds(10);

    static GatewayViewTests() => SetDefaultExpectTimeout(30_000);

    [Fact]
    public async Task Gateway_pages_follow_work_done_on_the_silos_without_reload()
    {
        await using var redis = await RedisServer.StartAsync();
        using var dir = new TempDir();
        var beadsFile = SiloSet.EngineerWorkspace(dir, PoolSize);

        var cluster = new SiloSet(dir, redis.Port);
        await using var _ = cluster;
        await cluster.StartAllAsync(2);
        var started = await cluster.StartGatewayAsync();
        await using var gateway = started.Process;
        var url = $"http://127.0.0.1:{started.Port}";

        await using var browser = await BrowserSession.StartAsync();
        var page = browser.Page;
        var consoleErrors = new List<string>();
        page.Console += (_, message) => { if (message.Type == "error") lock (consoleErrors) consoleErrors.Add($"{message.Text} ({message.Location})"); };
        var failedLoads = new List<string>();
        page.Response += (_, response) => { if (response.Status >= 400) lock (failedLoads) failedLoads.Add($"{response.Status} {response.Url}"); };

        await browser.OpenAsync(url + "/pools");
        await MarkNoReloadAsync(page);
        var pool = page.Locator("[data-testid='pool'][data-pool='local/engineer']");
        var working = pool.Locator("[data-testid='member'][data-status='working']");
        // The pool starts members as beads need them: before any bead, it holds none or a ready one.
        await Expect(pool).ToBeVisibleAsync();
        await Expect(working).ToHaveCountAsync(0);
        await browser.ScreenshotAsync("gateway-pools-idle");

        // Two waves of beads a few seconds long: every member works, then all are ready again.
        var staged = beadsFile + ".staged";
        await File.WriteAllTextAsync(staged, Beads(BeadCount, BeadMs));
        File.Move(staged, beadsFile, overwrite: true);

        // Read in one go in the page, so that counts, holds and the occupancy line come from one render.
        var allWorking = await UntilAsync(page, $"s.Statuses.length === {PoolSize} && s.Statuses.every(x => x === 'working')",
            $"every member working (a window of {BeadMs} ms that the page's {FallbackPoll.TotalSeconds} s poll alone may miss: the silos' events should show it)");
        var sawWorking = Stopwatch.StartNew();
        await browser.ScreenshotAsync("gateway-pools-working");
        Assert.Contains($"{PoolSize} in flight", allWorking.Occupancy);
        Assert.All(allWorking.Holds, h => Assert.Matches(@"^ck-\d+$", h));

        // The first wave ends: the page moves on from what it showed.
        var heldBefore = JsonSerializer.Serialize(allWorking.Holds);
        await UntilAsync(page, $"JSON.stringify(s.Holds) !== {JsonSerializer.Serialize(heldBefore)}", "the members' holds to change after the first wave");
        var moved = sawWorking.Elapsed;
        Console.WriteLine($"gateway UI: the first wave's end showed {moved.TotalSeconds:0.0} s after all members were seen working");
        Assert.True(moved < FallbackPoll,
            $"the page took {moved.TotalSeconds:0.0} s to show the first wave of {PoolSize} beads of {BeadMs} ms ending: only the {FallbackPoll.TotalSeconds} s poll moved it, no silo's event reached the gateway's page");

        // Every bead done: all members ready again, holding nothing, and their Done column adds up.
        var end = await UntilAsync(page, $"s.Statuses.length === {PoolSize} && s.Statuses.every(x => x === 'ready') && s.Done.reduce((a, b) => a + b, 0) === {BeadCount}",
            $"all members ready with {BeadCount} beads done between them", 60_000);
        Assert.Contains("0 in flight", end.Occupancy);
        Assert.All(end.Holds, h => Assert.Equal("—", h));
        await Waits.Eventually(TimeSpan.FromSeconds(10), () => Task.FromResult(File.ReadAllLines(beadsFile).Count(l => l.Contains("\"status\":\"closed\"", StringComparison.Ordinal)) == BeadCount),
            gateway, () => $"all {BeadCount} beads closed in {beadsFile}");
        await browser.ScreenshotAsync("gateway-pools-ready");
        await AssertNoReloadAsync(page);

        // The overview and the sessions list render the cluster's state, and the dispatches chart
        // (fed only by dispatch events) counted what the silos dispatched.
        await browser.OpenAsync(url + "/");
        await Expect(page.GetByTestId("pools-table")).ToContainTextAsync("engineer");
        await Expect(page.GetByTestId("all-clear")).ToBeVisibleAsync();
        // Each bar's title is "HH:mm: N /min"; the minutes add up to every dispatch, each counted once.
        const string dispatchesCharted = """
            () => [...document.querySelectorAll("[data-testid='chart-dispatches'] rect title")]
              .reduce((sum, t) => sum + parseFloat(t.textContent.split(": ")[1]), 0)
            """;
        try
        {
            await page.WaitForFunctionAsync($"() => ({dispatchesCharted})() === {BeadCount}");
        }
        catch (TimeoutException)
        {
            Assert.Fail($"the overview's dispatches chart adds up to {await page.EvaluateAsync<double>(dispatchesCharted)}, not the {BeadCount} dispatches the silos made");
        }
        await browser.ScreenshotAsync("gateway-overview");

        await browser.OpenAsync(url + "/sessions");
        var sessions = page.GetByTestId("session");
        await Expect(sessions).ToHaveCountAsync(PoolSize);
        await Expect(page.GetByTestId("sessions-table")).ToContainTextAsync("local/engineer");
        await Expect(page.GetByTestId("sessions-table").Locator("a[href^='/dispatch?q=ck-']")).ToHaveCountAsync(PoolSize);
        await browser.ScreenshotAsync("gateway-sessions");

        await Expect(page.Locator("#blazor-error-ui")).ToBeHiddenAsync();
        lock (failedLoads) Assert.True(failedLoads.Count == 0, "the gateway answered the browser with errors:\n" + string.Join("\n", failedLoads));
        lock (consoleErrors) Assert.True(consoleErrors.Count == 0, "the browser console logged errors:\n" + string.Join("\n", consoleErrors));
        Assert.False(gateway.HasExited, $"the gateway exited\n{gateway.Stdout}\n{gateway.Stderr}");
    }

    /// <summary>The pool panel as the page shows it at one instant.</summary>
    private sealed record PoolView(string[] Statuses, string[] Holds, int[] Done, string Occupancy);

    private const string ReadPool = """
        () => {
          const pool = document.querySelector("[data-testid='pool'][data-pool='local/engineer']");
          if (!pool) return null;
          const rows = [...pool.querySelectorAll("[data-testid='member']")];
          return {
            Statuses: rows.map(r => r.dataset.status),
            Holds: rows.map(r => r.children[2].innerText.trim()),
            Done: rows.map(r => parseInt(r.children[4].innerText, 10)),
            Occupancy: pool.querySelector("[data-testid='occupancy']").innerText,
          };
        }
        """;

    /// <summary>Waits (Playwright re-evaluates on every animation frame) until the pool panel satisfies a JS condition on <c>s</c>.</summary>
    private static async Task<PoolView> UntilAsync(IPage page, string condition, string what, float timeout = 30_000)
    {
        try
        {
            var handle = await page.WaitForFunctionAsync($"() => {{ const s = ({ReadPool})(); return s !== null && ({condition}) ? JSON.stringify(s) : null; }}", null,
                new() { Timeout = timeout });
            return JsonSerializer.Deserialize<PoolView>(await handle.JsonValueAsync<string>())!;
        }
        catch (TimeoutException)
        {
            var now = await page.EvaluateAsync<string?>($"() => JSON.stringify(({ReadPool})())");
            Assert.Fail($"not within {timeout / 1000} s: {what}; the page shows {now}");
            throw;
        }
    }

    private static string Beads(int count, int durationMs) => string.Concat(Enumerable.Range(1, count).Select(i =>
        $$"""{"id":"ck-{{i}}","title":"Gateway bead {{i}}","description":"---\ntemplate: noop\nduration_ms: {{durationMs}}\n---\n","status":"open","priority":2,"issue_type":"task"}""" + "\n"));

    private static Task MarkNoReloadAsync(IPage page) => page.EvaluateAsync("() => { window.__gembaNoReload = true; }");

    private static async Task AssertNoReloadAsync(IPage page) =>
        Assert.True(await page.EvaluateAsync<bool>("() => window.__gembaNoReload === true"), "the page reloaded: the update should have come over the circuit");
}
