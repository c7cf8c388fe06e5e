using Gemba.Functional.Tests;
using Microsoft.Playwright;

namespace Gemba.Browser.Tests;

/// <summary>
/// Debian's chromium driven by Playwright: headless, a fresh profile per session, nothing fetched
/// from outside (Playwright cannot download browsers here, and must not try).
/// </summary>
internal sealed class BrowserSession : IAsyncDisposable
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private static readonly string[] Args =
    [
        "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync",
    ];

    private readonly IPlaywright _playwright;
    private readonly TempDir _profile;

    private BrowserSession(IPlaywright playwright, TempDir profile, IBrowserContext context, IPage page)
    {
        _playwright = playwright;
        _profile = profile;
        Context = context;
        Page = page;
    }

    public IBrowserContext Context { get; }

    public IPage Page { get; }

    public static async Task<BrowserSession> StartAsync()
    {
        if (!File.Exists(ChromiumPath))
            Assert.Fail($"{ChromiumPath} is missing: install Debian's chromium (test.sh does: apt-get install chromium)");
        var playwright = await Playwright.CreateAsync();
        var profile = new TempDir();
        var context = await playwright.Chromium.LaunchPersistentContextAsync(profile.Path, new BrowserTypeLaunchPersistentContextOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = Args,
            ViewportSize = new ViewportSize { Width = 1400, Height = 1000 },
        });
        context.SetDefaultTimeout(20_000);
        var page = context.Pages.Count > 0 ? context.Pages[0] : await context.NewPageAsync();
        return new BrowserSession(playwright, profile, context, page);
    }

    /// <summary>Opens a page of the UI and waits until its circuit is live (inputs typed before that would be lost).</summary>
    public async Task OpenAsync(string url)
    {
        await Page.GotoAsync(url);
        await Assertions.Expect(Page.Locator("main[data-interactive='true']")).ToBeVisibleAsync(new() { Timeout = 30_000 });
    }

    /// <summary>A full-page screenshot under artifacts/screenshots/, to be looked at by a person.</summary>
    public async Task<string> ScreenshotAsync(string name)
    {
        var dir = Path.Combine(GembaProcess.RepositoryRoot, "artifacts", "screenshots");
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, name + ".png");
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        return path;
    }

    public async ValueTask DisposeAsync()
    {
        await Context.CloseAsync();
        _playwright.Dispose();
        _profile.Dispose();
    }
}
