using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Gemba.Functional.Tests;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Gemba.Browser.Tests;

/// <summary>
/// The pool editor at <c>/settings/pools</c> in a real chromium, against the real product started as
/// the README says, in a git repository with <c>.beads/</c> and <c>.gemba/</c> (commented pool.toml,
/// a persona, agents.toml with max_parallel = 4, so the clamp cap is 4 − 1 = 3).
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class PoolEditorTests
{
    private const string Engineer = "pool.local.engineer";

    static PoolEditorTests() => SetDefaultExpectTimeout(20_000);

    [Fact]
    public async Task Native_edit_previews_clamps_diffs_and_saves_live_keeping_comments()
    {
        using var project = new BeadsProject(poolSize: 2, []);
        await using var server = await ServedGemba.StartAsync(project.Repo, null, "--orchestration", "native");
        await using var browser = await BrowserSession.StartAsync();
        var page = browser.Page;
        await browser.OpenAsync(server.Url + "/settings/pools");
        await Expect(page.Locator("h1")).ToHaveTextAsync("Pool Dispatch · Native");

        var preview = page.GetByTestId("toml-preview");
        await Expect(page.GetByTestId("clamp-warning")).ToHaveCountAsync(0);
        await page.Locator($"input[data-field='{Engineer}.size']").FillAsync("5");
        await Expect(preview).ToContainTextAsync("size = 5");
        await Expect(page.GetByTestId("clamp-warning")).ToHaveTextAsync("⚠ MaxParallel=4 → effective size will clamp to 3");
        await page.Locator($"input[data-field='{Engineer}.floor']").FillAsync("0.3");
        await Expect(preview).ToContainTextAsync("floor = 0.3");
        // The preview is the operator's file edited in place: the comment is still in it.
        await Expect(preview).ToContainTextAsync("# the operator's pool config");
        var diff = page.GetByTestId("diff");
        await Expect(diff).ToContainTextAsync("- size = 2");
        await Expect(diff).ToContainTextAsync("+ size = 5");
        await Expect(diff).ToContainTextAsync("+ floor = 0.3");
        await browser.ScreenshotAsync("native-edit-before-save");

        await page.GetByTestId("save").ClickAsync();
        await Expect(page.GetByTestId("notice")).ToContainTextAsync("Saved and applied — no restart needed");
        await Expect(page.GetByTestId("changes")).ToContainTextAsync("engineer");
        await Expect(page.Locator("body")).Not.ToContainTextAsync("restart to apply");
        await browser.ScreenshotAsync("native-edit-saved");

        await Waits.Eventually(TimeSpan.FromSeconds(30), async () =>
        {
            var pools = await server.Http.GetFromJsonAsync<JsonElement>("api/pools");
            return pools.GetProperty("pools").EnumerateArray().Any(p =>
                p.GetProperty("persona").GetString() == "engineer"
                && p.GetProperty("size_target_declared").GetInt32() == 5
                && p.GetProperty("size_target_effective").GetInt32() == 3
                && Math.Abs(p.GetProperty("floor").GetDouble() - 0.3) < 1e-9);
        }, server.Gemba, () => "/api/pools to show engineer declared 5, effective 3, floor 0.3 without a restart");

        var onDisk = await File.ReadAllTextAsync(Path.Combine(project.Repo, ".gemba", "pool.toml"));
        Assert.Contains("# the operator's pool config", onDisk);
        Assert.Contains("size = 5", onDisk);
        Assert.Contains("floor = 0.3", onDisk);
        Assert.Contains("agent_type = \"scripted\"", onDisk);
    }

    [Fact]
    public async Task Invalid_floor_disables_save_and_names_the_field()
    {
        using var project = new BeadsProject(poolSize: 2, []);
        await using var server = await ServedGemba.StartAsync(project.Repo, null, "--orchestration", "native");
        await using var browser = await BrowserSession.StartAsync();
        var page = browser.Page;
        await browser.OpenAsync(server.Url + "/settings/pools");

        var save = page.GetByTestId("save");
        var floor = page.Locator($"input[data-field='{Engineer}.floor']");
        await floor.FillAsync("0.6");
        await Expect(save).ToBeEnabledAsync();
        await floor.FillAsync("1.5");
        await Expect(save).ToBeDisabledAsync();
        await Expect(page.GetByTestId("save-state")).ToContainTextAsync($"{Engineer}.floor: floor must be in [0, 1]");
        await Expect(page.GetByTestId("findings")).ToContainTextAsync($"{Engineer}.floor: floor must be in [0, 1], found 1.5");
        await Expect(floor).ToHaveClassAsync(new Regex(@"\binvalid\b"));
        await Expect(page.Locator($"[data-pool='{Engineer}']")).ToContainTextAsync("floor must be in [0, 1]");
        await browser.ScreenshotAsync("invalid-floor");

        // Nothing was written.
        Assert.DoesNotContain("1.5", await File.ReadAllTextAsync(Path.Combine(project.Repo, ".gemba", "pool.toml")));
    }

    [Fact]
    public async Task Save_after_an_edit_on_disk_is_a_conflict_that_writes_nothing()
    {
        using var project = new BeadsProject(poolSize: 2, []);
        await using var server = await ServedGemba.StartAsync(project.Repo, null, "--orchestration", "native");
        await using var browser = await BrowserSession.StartAsync();
        var page = browser.Page;
        await browser.OpenAsync(server.Url + "/settings/pools");

        await page.Locator($"input[data-field='{Engineer}.size']").FillAsync("3");
        await Expect(page.GetByTestId("save")).ToBeEnabledAsync();
        var file = Path.Combine(project.Repo, ".gemba", "pool.toml");
        var edited = (await File.ReadAllTextAsync(file)).Replace("size = 2", "size = 1 # edited by hand");
        await File.WriteAllTextAsync(file, edited);

        await page.GetByTestId("save").ClickAsync();
        await Expect(page.GetByTestId("notice")).ToContainTextAsync("changed on disk since you opened it");
        await Expect(page.GetByTestId("save")).ToBeDisabledAsync();
        await Expect(page.GetByTestId("diff")).ToContainTextAsync("- size = 1 # edited by hand");
        await browser.ScreenshotAsync("conflict");
        Assert.Equal(edited, await File.ReadAllTextAsync(file));

        await page.GetByTestId("conflict-reload").ClickAsync();
        await Expect(page.GetByTestId("notice")).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("toml-preview")).ToContainTextAsync("size = 1 # edited by hand");
        await Expect(page.Locator($"input[data-field='{Engineer}.size']")).ToHaveValueAsync("1");
    }

    [Fact]
    public async Task What_if_counts_follow_the_draft_floor()
    {
        // The pool in force is disabled (size = -1), so the four ready beads stay ready; the draft re-enables it.
        using var project = new BeadsProject(poolSize: -1, Enumerable.Range(1, 4).Select(i => BeadsProject.Bead($"wi-{i}")));
        await using var server = await ServedGemba.StartAsync(project.Repo, null, "--orchestration", "native");
        await using var browser = await BrowserSession.StartAsync();
        var page = browser.Page;
        await browser.OpenAsync(server.Url + "/settings/pools");

        await page.Locator($"input[data-field='{Engineer}.size']").FillAsync("2");
        await page.Locator($"input[data-field='{Engineer}.floor']").FillAsync("1");
        await Expect(page.GetByTestId("whatif-ready")).ToHaveTextAsync("4");
        await Expect(page.GetByTestId("whatif-below-floor")).ToHaveTextAsync("4");
        await Expect(page.GetByTestId("whatif-dispatch")).ToHaveTextAsync("0");
        await browser.ScreenshotAsync("whatif-high-floor");

        await page.Locator($"input[data-field='{Engineer}.floor']").FillAsync("0");
        await Expect(page.GetByTestId("whatif-dispatch")).ToHaveTextAsync("2");
        await Expect(page.GetByTestId("whatif-below-floor")).ToHaveTextAsync("0");
        await browser.ScreenshotAsync("whatif-zero-floor");
        Assert.All(Enumerable.Range(1, 4), i => Assert.Equal("open", project.StatusOf($"wi-{i}")));
    }

    [Fact]
    public async Task Gas_Town_flow_shows_rigs_and_runs_new_polecat_through_the_modal()
    {
        using var town = new FakeGasTown("# gas town pools\n[pool]\ndefault_persona = \"engineer\"\n\n[pool.alpha.engineer]\nsize = 1\n\n[pool.beta.engineer]\nsize = 1\n");
        string[][] Calls() => town.Calls;
        string[] polecatCreate = ["polecat", "identity", "add", "beta", "engineer"];

        await using var server = await ServedGemba.StartAsync(town.Town, town.Environment, "--orchestration", "gastown");
        await using var browser = await BrowserSession.StartAsync();
        var page = browser.Page;
        await browser.OpenAsync(server.Url + "/settings/pools");
        await Expect(page.Locator("h1")).ToHaveTextAsync("Pool Dispatch · Gas Town");

        var rigs = page.GetByTestId("gt-rigs");
        await Expect(rigs.Locator("tr[data-rig='alpha']")).ToContainTextAsync("engineer");
        await Expect(rigs.Locator("tr[data-rig='beta']")).ToBeVisibleAsync();
        await Expect(page.Locator("[data-pool='pool.alpha.engineer'] [data-testid='no-polecat']")).ToHaveCountAsync(0);
        var missing = page.Locator("[data-pool='pool.beta.engineer'] [data-testid='no-polecat']");
        await Expect(missing).ToContainTextAsync("⚠ no polecat exists for this pair");
        await Expect(page.Locator("[data-pool='pool.beta.engineer'] select[data-card-field='scope']")).ToHaveValueAsync("beta");

        await missing.GetByRole(AriaRole.Button).ClickAsync();
        var modal = page.GetByTestId("run-modal");
        await Expect(modal.GetByTestId("modal-command")).ToHaveTextAsync("gt polecat identity add beta engineer");
        Assert.DoesNotContain(Calls(), c => c.SequenceEqual(polecatCreate));
        await browser.ScreenshotAsync("gastown-modal-before-run");

        await modal.GetByTestId("modal-run").ClickAsync();
        await Expect(modal.GetByTestId("modal-status")).ToHaveTextAsync("✓ succeeded");
        await Expect(modal.GetByTestId("modal-ran")).ToHaveTextAsync("gt polecat identity add beta engineer");
        await Expect(modal.GetByTestId("modal-stdout")).ToContainTextAsync("Created polecat identity beta/engineer");
        Assert.Contains(Calls(), c => c.SequenceEqual(polecatCreate));
        await browser.ScreenshotAsync("gastown-modal-after-run");
    }

    [Fact]
    public async Task Unsupported_adaptor_raw_editor_blocks_save_on_errors()
    {
        using var project = new BeadsProject(poolSize: 2, []);
        await using var server = await ServedGemba.StartAsync(project.Repo, null, "--orchestration", "mock");
        await using var browser = await BrowserSession.StartAsync();
        var page = browser.Page;
        await browser.OpenAsync(server.Url + "/settings/pools");
        await Expect(page.Locator("h1")).ToContainTextAsync("unsupported adaptor");

        await page.GetByTestId("raw-tab").ClickAsync();
        var raw = page.GetByTestId("raw-editor");
        await Expect(raw).ToHaveValueAsync(new Regex("size = 2"));
        var save = page.GetByTestId("save");
        var text = await raw.InputValueAsync();

        await raw.FillAsync(text.Replace("size = 2", "size = 3") + "\n[pool.local.engineer\n");
        await Expect(save).ToBeDisabledAsync();
        await Expect(page.GetByTestId("findings").Locator("li.error")).Not.ToHaveCountAsync(0);
        await Expect(page.GetByTestId("save-state")).ToContainTextAsync("Save is disabled");

        await raw.FillAsync(text.Replace("size = 2", "size = 3\nfloor = 1.5"));
        await Expect(save).ToBeDisabledAsync();
        await Expect(page.GetByTestId("findings")).ToContainTextAsync($"{Engineer}.floor: floor must be in [0, 1], found 1.5");
        await browser.ScreenshotAsync("mock-raw-invalid");

        await raw.FillAsync(text.Replace("size = 2", "size = 3"));
        await Expect(save).ToBeEnabledAsync();
        await Expect(page.GetByTestId("diff")).ToContainTextAsync("+ size = 3");
    }
}
