using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Gemba.Functional.Tests;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Gemba.Browser.Tests;

/// <summary>
/// The live operator views (overview, pools, sessions, dispatch) in a real chromium against the product
/// started through the launcher. Nothing reloads the page: every change must arrive over the circuit.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class LiveViewTests
{
    static LiveViewTests() => SetDefaultExpectTimeout(30_000);

    [Fact]
    public async Task Overview_puts_a_parked_bead_and_a_dirty_worktree_escalation_first_with_links_and_actions()
    {
        // Native plane + tmux: the mock plane's worktrees are always clean, so only a real agent
        // leaving a file uncommitted produces the dirty-worktree escalation.
        using var project = new BeadsProject(poolSize: 1, [BeadsProject.Bead("wi-dirty"), Bead("wi-parked", "Flaky migration", "fail", labels: ["gemba:parked"])]);
        project.LeaveDirtyOnce("wi-dirty");
        var socket = $"gemba-bt-{Guid.NewGuid():N}"[..20];
        try
        {
            await using var server = await ServedGemba.StartAsync(project.Repo, null, "--orchestration", "native", "--tmux-socket", socket, "--tick", "1");
            await using var browser = await BrowserSession.StartAsync();
            var page = browser.Page;
            await browser.OpenAsync(server.Url + "/");
            await MarkNoReloadAsync(page);

            var attention = page.GetByTestId("attention");
            var escalation = attention.GetByTestId("attention-escalation");
            await Expect(escalation).ToContainTextAsync("dirty worktree");
            await Expect(escalation).ToContainTextAsync("scratch-wi-dirty.txt");
            await Expect(escalation.Locator("a[href='/dispatch?q=wi-dirty']")).ToBeVisibleAsync();
            await Expect(escalation.Locator("a[href^='/sessions?id=']")).ToBeVisibleAsync();
            var parked = attention.Locator("[data-testid='attention-parked'][data-bead='wi-parked']");
            await Expect(parked).ToContainTextAsync("Flaky migration");
            await Expect(parked).ToContainTextAsync("gemba:parked");
            await Expect(parked.Locator("a[href='/dispatch?q=wi-parked']")).ToBeVisibleAsync();
            await Expect(page.GetByTestId("pools-table")).ToContainTextAsync("engineer");
            await Expect(page.GetByTestId("chart-dispatches")).ToBeVisibleAsync();
            await browser.ScreenshotAsync("overview-needs-attention");

            // The escalation's session link lands on its row.
            var sessionHref = await escalation.Locator("a[href^='/sessions?id=']").GetAttributeAsync("href");
            var sessionId = Regex.Match(sessionHref!, @"id=([^#&]+)").Groups[1].Value;

            // Unpark from the overview: the label leaves the beads file and the row goes.
            await parked.GetByTestId("unpark").ClickAsync();
            await Expect(page.GetByTestId("notice")).ToContainTextAsync("wi-parked unparked");
            await Expect(parked).ToHaveCountAsync(0);
            Assert.DoesNotContain("gemba:parked", File.ReadLines(project.BeadsFile).Single(l => l.Contains("\"id\":\"wi-parked\"")));

            // Once the agent cleans up and reports again, the escalation leaves the overview by itself.
            await project.ReleaseAsync("wi-dirty");
            await Expect(escalation).ToHaveCountAsync(0);
            await AssertNoReloadAsync(page);

            await browser.OpenAsync(server.Url + sessionHref);
            // By now the member has gone on (to the unparked bead), so its row is picked out by id, not by bead.
            var row = page.Locator($"tr[id='{sessionId}']");
            await Expect(row).ToHaveClassAsync(new Regex(@"\bhighlight\b"));
            await Expect(row).ToContainTextAsync("local/engineer");
            await Expect(page.GetByTestId("session")).ToHaveCountAsync(1);
            await browser.ScreenshotAsync("sessions-linked-from-overview");
        }
        finally
        {
            KillTmux(socket);
        }
    }

    [Fact]
    public async Task Overview_shows_a_session_that_failed_as_it_fails()
    {
        using var project = new BeadsProject(poolSize: 1, []);
        await using var server = await ServedGemba.StartAsync(project.Repo, null, "--orchestration", "mock", "--tick", "1");
        await using var browser = await BrowserSession.StartAsync();
        var page = browser.Page;
        await browser.OpenAsync(server.Url + "/");
        await Expect(page.GetByTestId("all-clear")).ToBeVisibleAsync();
        await MarkNoReloadAsync(page);

        await File.AppendAllLinesAsync(project.BeadsFile, [Bead("wi-bad", "Always breaks", "fail")]);
        var failed = page.GetByTestId("attention-failed");
        await Expect(failed).ToContainTextAsync("template fail always fails");
        await Expect(failed.Locator("a[href='/dispatch?q=wi-bad']")).ToBeVisibleAsync();
        await Expect(failed.Locator("a[href^='/sessions?id=']")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("all-clear")).ToHaveCountAsync(0);
        await AssertNoReloadAsync(page);
        await browser.ScreenshotAsync("overview-failed-session");
    }

    [Fact]
    public async Task Pools_page_shows_members_go_from_working_to_ready_live()
    {
        using var project = new BeadsProject(poolSize: 2, []);
        await using var server = await ServedGemba.StartAsync(project.Repo, null, "--orchestration", "mock", "--tick", "1");
        await using var browser = await BrowserSession.StartAsync();
        var page = browser.Page;
        await browser.OpenAsync(server.Url + "/pools");
        await MarkNoReloadAsync(page);
        var pool = page.Locator("[data-testid='pool'][data-pool='local/engineer']");
        await Expect(pool).ToBeVisibleAsync();

        await File.AppendAllLinesAsync(project.BeadsFile, [Bead("wi-1", "First slow step", "noop", durationMs: 4000), Bead("wi-2", "Second slow step", "noop", durationMs: 4000)]);
        var working = pool.Locator("[data-testid='member'][data-status='working']");
        await Expect(working).ToHaveCountAsync(2);
        await Expect(pool.GetByTestId("occupancy")).ToContainTextAsync("2 in flight");
        await Expect(pool).ToContainTextAsync("wi-1");
        await browser.ScreenshotAsync("pools-members-working");

        await Expect(working).ToHaveCountAsync(0);
        await Expect(pool.Locator("[data-testid='member'][data-status='ready']")).ToHaveCountAsync(2);
        await Expect(pool.GetByTestId("occupancy")).ToContainTextAsync("0 in flight");
        await AssertNoReloadAsync(page);
        await browser.ScreenshotAsync("pools-members-ready");
        Assert.Equal("closed", project.StatusOf("wi-1"));
        Assert.Equal("closed", project.StatusOf("wi-2"));

        // End asks first; Cancel keeps the member, End ends it and it leaves the list.
        var first = pool.Locator("[data-testid='member']").First;
        var sessionId = await first.GetAttributeAsync("data-session");
        var member = pool.Locator($"[data-testid='member'][data-session='{sessionId}']");
        await member.GetByTestId("end").ClickAsync();
        await Expect(member.GetByTestId("confirm")).ToHaveTextAsync($"Really end {sessionId}?");
        await browser.ScreenshotAsync("pools-confirm-end");
        await member.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
        await Expect(member.GetByTestId("confirm")).ToHaveCountAsync(0);
        await member.GetByTestId("end").ClickAsync();
        await member.GetByTestId("confirm-end").ClickAsync();
        await Expect(page.GetByTestId("notice")).ToContainTextAsync($"{sessionId} ended");
        await Expect(member).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task Dispatch_search_says_a_bead_waits_below_the_pool_floor()
    {
        using var project = new BeadsProject(poolSize: 1, [Bead("wi-low", "Tune the cache eviction", "noop")]);
        var toml = Path.Combine(project.Repo, ".gemba", "pool.toml");
        await File.WriteAllTextAsync(toml, (await File.ReadAllTextAsync(toml)) + "floor = 1.0\n");
        await using var server = await ServedGemba.StartAsync(project.Repo, null, "--orchestration", "mock", "--tick", "1");
        await using var browser = await BrowserSession.StartAsync();
        var page = browser.Page;
        await browser.OpenAsync(server.Url + "/dispatch");

        // Search by a word of the title, as an operator who forgot the id would.
        await page.GetByLabel("Bead id or title").FillAsync("cache eviction");
        await page.GetByTestId("search").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex(@"/dispatch\?q=cache%20eviction$"));
        var bead = page.Locator("[data-testid='bead'][data-bead='wi-low']");
        await Expect(bead.GetByTestId("waits")).ToContainTextAsync("below floor");
        await Expect(page.Locator("[data-testid='decision'][data-outcome='below_floor']").First).ToContainTextAsync("below floor 1");
        await Expect(bead.GetByTestId("start-now")).ToBeVisibleAsync();
        await browser.ScreenshotAsync("dispatch-below-floor");
        Assert.Equal("open", project.StatusOf("wi-low"));

        // The floor holds automatic dispatch back, not the operator: Start now runs it.
        await bead.GetByTestId("start-now").ClickAsync();
        await Expect(page.GetByTestId("notice")).ToContainTextAsync("wi-low started on");
        await Expect(page.Locator("[data-testid='decision'][data-outcome='dispatched'] a[href^='/sessions?id=']").First).ToBeVisibleAsync();
        await browser.ScreenshotAsync("dispatch-started-by-hand");
    }

    [Fact]
    public async Task Pause_on_the_pools_page_holds_a_new_bead_and_resume_lets_it_go()
    {
        using var project = new BeadsProject(poolSize: 1, []);
        await using var server = await ServedGemba.StartAsync(project.Repo, null, "--orchestration", "mock", "--tick", "1");
        await using var browser = await BrowserSession.StartAsync();
        var page = browser.Page;
        await browser.OpenAsync(server.Url + "/pools");
        var pool = page.Locator("[data-testid='pool'][data-pool='local/engineer']");
        await pool.GetByTestId("pause").ClickAsync();
        await Expect(pool.GetByTestId("paused")).ToContainTextAsync("paused: from the web UI");
        await Expect(pool.GetByTestId("resume")).ToBeVisibleAsync();
        await browser.ScreenshotAsync("pools-paused");

        await File.AppendAllLinesAsync(project.BeadsFile, [Bead("wi-late", "Arrives while paused", "noop", durationMs: 300)]);
        await browser.OpenAsync(server.Url + "/dispatch?q=wi-late");
        var waits = page.Locator("[data-bead='wi-late']").GetByTestId("waits");
        await Expect(waits).ToContainTextAsync("paused");
        await browser.ScreenshotAsync("dispatch-waits-paused");
        Assert.Equal("open", project.StatusOf("wi-late"));

        await browser.OpenAsync(server.Url + "/pools");
        await pool.GetByTestId("resume").ClickAsync();
        await Expect(pool.GetByTestId("paused")).ToHaveCountAsync(0);
        await browser.OpenAsync(server.Url + "/dispatch?q=wi-late");
        await Expect(page.Locator("[data-testid='decision'][data-outcome='dispatched']").First).ToBeVisibleAsync();
        await Expect(page.Locator("[data-bead='wi-late']").GetByTestId("bead-status")).ToHaveTextAsync("closed");
        await browser.ScreenshotAsync("dispatch-after-resume");
    }

    /// <summary>A bead for the mock plane: its description's frontmatter picks the simulated agent's template.</summary>
    private static string Bead(string id, string title, string template, int durationMs = 500, string[]? labels = null) =>
        JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["_type"] = "issue", ["id"] = id, ["title"] = title,
            ["description"] = $"---\ntemplate: {template}\nduration_ms: {durationMs}\n---\n{title}.",
            ["status"] = "open", ["priority"] = 2, ["issue_type"] = "task", ["labels"] = labels ?? [],
        });

    private static Task MarkNoReloadAsync(IPage page) => page.EvaluateAsync("() => { window.__gembaNoReload = true; }");

    private static async Task AssertNoReloadAsync(IPage page) =>
        Assert.True(await page.EvaluateAsync<bool>("() => window.__gembaNoReload === true"), "the page reloaded: the update should have come over the circuit");

    private static void KillTmux(string socket)
    {
        using var tmux = Process.Start(new ProcessStartInfo("tmux", ["-L", socket, "kill-server"]) { RedirectStandardError = true })!;
        tmux.WaitForExit(10_000);
    }
}
