using System.Diagnostics;
using Gemba.Bench.Harness;
using Microsoft.Playwright;

namespace Gemba.Bench.Measures;

/// <summary>
/// Row 5b: the <c>/pools</c> page in Debian's chromium (headless, through Playwright) against a stack with
/// many members: from navigation to the first member row on screen ("to content", the prerendered page),
/// and to the live circuit that takes clicks ("interactive").
/// </summary>
internal static class PoolsPageLoad
{
    private const string Chromium = "/usr/bin/chromium";

    public static async Task<(Samples Content, Samples Interactive)?> RunAsync(Uri baseUrl, int loads)
    {
        if (!File.Exists(Chromium))
        {
            Console.WriteLine($"  ({Chromium} missing: apt-get install chromium; page-load row not measured)");
            return null;
        }
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
        });
        var url = new Uri(baseUrl, "pools").ToString();
        var content = new Samples();
        var interactive = new Samples();
        for (var i = 0; i < loads + 1; i++)
        {
            // A fresh context per load: no cached assets, as a newly opened tab would have after a restart.
            await using var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 1000 } });
            var page = await context.NewPageAsync();
            var start = Stopwatch.GetTimestamp();
            await page.GotoAsync(url, new PageGotoOptions { WaitUntil = WaitUntilState.Commit });
            await page.Locator("[data-testid=member]").First.WaitForAsync(new LocatorWaitForOptions { Timeout = 30_000 });
            var toContent = Stopwatch.GetElapsedTime(start);
            await page.Locator("main[data-interactive='true']").WaitForAsync(new LocatorWaitForOptions { Timeout = 30_000 });
            var toInteractive = Stopwatch.GetElapsedTime(start);
            if (i == 0) continue; // the first load warms the server's render path and the browser process
            content.Add(toContent);
            interactive.Add(toInteractive);
        }
        return (content, interactive);
    }
}
