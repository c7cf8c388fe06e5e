using System.Text.Json;
using Gemba.Functional.Tests;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Gemba.Browser.Tests;

/// <summary>The board in a real chromium: a drag restages a bead, and In Progress means a session.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class BoardTests
{
    static BoardTests() => SetDefaultExpectTimeout(30_000);

    private static string Bead(string id, string title, string kind = "task", string template = "noop", string? parent = null) =>
        JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["_type"] = "issue", ["id"] = id, ["title"] = title,
            ["description"] = $"---\ntemplate: {template}\nduration_ms: 1500\n---\n{title}.",
            ["status"] = "open", ["priority"] = 2, ["issue_type"] = kind,
            ["dependencies"] = parent is null
                ? Array.Empty<object>()
                : new object[] { new Dictionary<string, string> { ["issue_id"] = id, ["depends_on_id"] = parent, ["type"] = "parent-child" } },
        });

    [Fact]
    public async Task Dragging_a_task_to_In_Progress_starts_a_session_and_an_epic_a_cascade_and_the_menu_moves_cards_too()
    {
        using var project = new BeadsProject(poolSize: 1,
        [
            Bead("bd-task", "Wire the login form"), Bead("bd-later", "Rename the settings page"),
            Bead("bd-epic", "Auth epic", "epic"), Bead("bd-sub", "Session handling", "epic", parent: "bd-epic"),
            Bead("bd-leaf-1", "Add the cookie refresh", parent: "bd-sub"), Bead("bd-leaf-2", "Expire idle sessions", parent: "bd-sub"),
        ]);
        // Floor 1.0: nothing dispatches on its own, so only the board's moves start work.
        File.WriteAllText(Path.Combine(project.Repo, ".gemba", "pool.toml"),
            "[pool]\ndefault_persona = \"engineer\"\n\n[pool.local.engineer]\nsize = 1\nagent_type = \"scripted\"\nfloor = 1.0\n");
        await using var server = await ServedGemba.StartAsync(project.Repo, null, "--orchestration", "mock", "--tick", "1");
        await using var browser = await BrowserSession.StartAsync();
        var page = browser.Page;
        await browser.OpenAsync(server.Url + "/board");

        var ready = page.GetByTestId("column-ready");
        var card = page.GetByTestId("card-bd-task");
        await Expect(ready.GetByTestId("card-bd-task")).ToBeVisibleAsync();
        await browser.ScreenshotAsync("board-before-drag");

        await DragAsync(page, card, page.GetByTestId("column-in_progress"));
        await Expect(page.GetByTestId("notice")).ToContainTextAsync("session engineer-local-");
        // The mock agent works 1.5 s, reports bead-done, and the card lands in Done without a reload.
        await Expect(page.GetByTestId("column-done").GetByTestId("card-bd-task")).ToBeVisibleAsync();
        Assert.Equal("closed", project.StatusOf("bd-task"));

        // The keyboard way: the card's "move to" menu.
        await page.GetByTestId("move-bd-later").SelectOptionAsync("backlog");
        await page.GetByTestId("move-go-bd-later").ClickAsync();
        await Expect(page.GetByTestId("column-backlog").GetByTestId("card-bd-later")).ToBeVisibleAsync();
        Assert.Contains("gemba:backlog", File.ReadLines(project.BeadsFile).Single(l => l.Contains("\"bd-later\"")));

        // An epic is a cascade: its nested leaves are staged and run one at a time (the pool's size is 1),
        // the epic reads In Progress while they run and Done when both are closed.
        await DragAsync(page, page.GetByTestId("card-bd-epic"), page.GetByTestId("column-in_progress"));
        await Expect(page.GetByTestId("notice")).ToContainTextAsync("cascade started: bd-epic");
        await Expect(page.GetByTestId("column-in_progress").GetByTestId("card-bd-epic")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("column-in_progress").Locator("[data-card^='bd-leaf']")).ToHaveCountAsync(1);
        await browser.ScreenshotAsync("board-cascade-running");
        await Expect(page.GetByTestId("column-done").GetByTestId("card-bd-epic")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("column-done").GetByTestId("card-bd-sub")).ToBeVisibleAsync(); // the nested epic rolls up too
        Assert.Equal("closed", project.StatusOf("bd-leaf-1"));
        Assert.Equal("closed", project.StatusOf("bd-leaf-2"));
        await browser.ScreenshotAsync("board-after-moves");
    }

    /// <summary>
    /// A drag with the mouse, as an operator does it: press on the card's title (its centre is the "move to"
    /// menu, where a press opens the menu instead), move onto the column, release. The drop waits until the
    /// server has seen the dragstart (the board names the card being dragged), as a person's hand is slower.
    /// </summary>
    private static async Task DragAsync(IPage page, ILocator card, ILocator column)
    {
        var id = await card.GetAttributeAsync("data-card");
        await card.HoverAsync(new() { Position = new() { X = 12, Y = 10 } });
        await page.Mouse.DownAsync();
        var box = (await column.BoundingBoxAsync())!;
        await page.Mouse.MoveAsync(box.X + box.Width / 2, box.Y + 40, new() { Steps = 5 });
        await Expect(page.GetByTestId("board")).ToHaveAttributeAsync("data-dragging", id!);
        await page.Mouse.MoveAsync(box.X + box.Width / 2, box.Y + 60, new() { Steps = 2 });
        await page.Mouse.UpAsync();
    }
}
