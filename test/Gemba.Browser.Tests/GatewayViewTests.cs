using System.Diagnostics;
using System.Text.RegularExpressions;
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

    // LiveFeed's fallback re-read (src/Gemba.Api/Components/Live/LiveFeed.cs): two re-reads that
    // only the poll caused are at least this far apart, so anything quicker was an event's doing.
    private static readonly TimeSpan FallbackPoll = TimeSpan.FromSeconds(10);

    static GatewayViewTests() => SetDefaultExpectTimeout(30_000);

    [Fact]
    public async Task Gateway_pages_follow_work_done_on_the_silos_without_reload()
    {
        await using var redis = await RedisServer.StartAsync();
        using var dir = new TempDir();
        dir.File(".gemba/pool.toml", $"[pool]\ndefault_persona = \"engineer\"\n\n[pool.local.engineer]\nsize = {PoolSize}\nfloor = 0.0\n");
        dir.File(".gemba/personas/engineer.toml", "name = \"Engineer\"\n");
        var beadsFile = dir.File(".beads/issues.jsonl", "");

        var cluster = new SiloSet(dir, redis.Port);
        await using var _ = cluster;
        cluster.StartAll(2);
        await cluster.UntilAllHealthy();
        var port = GembaProcess.FreePort();
        await using var gateway = GembaProcess.Start(dir.Path, null,
            "gateway", "--redis", $"127.0.0.1:{redis.Port}", "--orchestration", "mock", "--work-plane", "jsonl", "--port", port.ToString(), "--quiet");
        var url = $"http://127.0.0.1:{port}";
        using (var http = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(30) })
            await Waits.Eventually(TimeSpan.FromSeconds(120), async () => (await http.GetAsync("/healthz")).IsSuccessStatusCode, gateway, () => "the gateway to answer /healthz");

        await using var browser = await BrowserSession.StartAsync();
        var page = browser.Page;
        var consoleErrors = new List<string>();
        page.Console += (_, message) => { if (message.Type == "error") lock (consoleErrors) consoleErrors.Add(message.Text); };

        await browser.OpenAsync(url + "/pools");
        await MarkNoReloadAsync(page);
        var pool = page.Locator("[data-testid='pool'][data-pool='local/engineer']");
        var members = pool.Locator("[data-testid='member']");
        var working = pool.Locator("[data-testid='member'][data-status='working']");
        var ready = pool.Locator("[data-testid='member'][data-status='ready']");
        await Expect(ready).ToHaveCountAsync(PoolSize);
        await browser.ScreenshotAsync("gateway-pools-idle");

        // Two waves of beads a few seconds long: every member works, then all are ready again.
        var staged = beadsFile + ".staged";
        await File.WriteAllTextAsync(staged, Beads(BeadCount, durationMs: 1500));
        File.Move(staged, beadsFile, overwrite: true);

        await Expect(working).ToHaveCountAsync(PoolSize);
        var sawWorking = Stopwatch.StartNew();
        await Expect(pool.GetByTestId("occupancy")).ToContainTextAsync($"{PoolSize} in flight");
        await Expect(pool.Locator("[data-testid='member'] a[href^='/dispatch?q=ck-']")).ToHaveCountAsync(PoolSize);
        await browser.ScreenshotAsync("gateway-pools-working");

        await Expect(ready).ToHaveCountAsync(PoolSize, new() { Timeout = 60_000 });
        await Expect(working).ToHaveCountAsync(0);
        var backToReady = sawWorking.Elapsed;
        await Expect(pool.GetByTestId("occupancy")).ToContainTextAsync("0 in flight");
        // The members' Done column adds up to every bead released.
        await Expect(members).ToHaveCountAsync(PoolSize);
        Assert.Equal(BeadCount, File.ReadAllLines(beadsFile).Count(l => l.Contains("\"status\":\"closed\"", StringComparison.Ordinal)));
        var done = await members.Locator("td:nth-child(5)").AllInnerTextsAsync();
        Assert.Equal(BeadCount, done.Sum(int.Parse));
        await browser.ScreenshotAsync("gateway-pools-ready");
        Assert.True(backToReady < FallbackPoll,
            $"the page took {backToReady.TotalSeconds:0.0} s from all members working to all ready again: only the {FallbackPoll.TotalSeconds} s poll moved it, no silo's event reached the gateway's page");
        await AssertNoReloadAsync(page);

        // The overview and the sessions list render the cluster's state, and the dispatches chart
        // (fed only by dispatch events) counted what the silos dispatched.
        await browser.OpenAsync(url + "/");
        await Expect(page.GetByTestId("pools-table")).ToContainTextAsync("engineer");
        await Expect(page.GetByTestId("all-clear")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("chart-dispatches").Locator("figcaption")).ToContainTextAsync(new Regex(@"max [1-9]"));
        await browser.ScreenshotAsync("gateway-overview");

        await browser.OpenAsync(url + "/sessions");
        var sessions = page.GetByTestId("session");
        await Expect(sessions).ToHaveCountAsync(PoolSize);
        await Expect(page.GetByTestId("sessions-table")).ToContainTextAsync("local/engineer");
        await Expect(page.GetByTestId("sessions-table").Locator("a[href^='/dispatch?q=ck-']")).ToHaveCountAsync(PoolSize);
        await browser.ScreenshotAsync("gateway-sessions");

        await Expect(page.Locator("#blazor-error-ui")).ToBeHiddenAsync();
        lock (consoleErrors) Assert.True(consoleErrors.Count == 0, "the browser console logged errors:\n" + string.Join("\n", consoleErrors));
        Assert.False(gateway.HasExited, $"the gateway exited\n{gateway.Stdout}\n{gateway.Stderr}");
    }

    private static string Beads(int count, int durationMs) => string.Concat(Enumerable.Range(1, count).Select(i =>
        $$"""{"id":"ck-{{i}}","title":"Gateway bead {{i}}","description":"---\ntemplate: noop\nduration_ms: {{durationMs}}\n---\n","status":"open","priority":2,"issue_type":"task"}""" + "\n"));

    private static Task MarkNoReloadAsync(IPage page) => page.EvaluateAsync("() => { window.__gembaNoReload = true; }");

    private static async Task AssertNoReloadAsync(IPage page) =>
        Assert.True(await page.EvaluateAsync<bool>("() => window.__gembaNoReload === true"), "the page reloaded: the update should have come over the circuit");
}
