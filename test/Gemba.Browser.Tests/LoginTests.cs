using System.Net;
using Gemba.Functional.Tests;
using static Microsoft.Playwright.Assertions;

namespace Gemba.Browser.Tests;

/// <summary>A server started with --token: the web UI asks for it once, then works on a session cookie.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class LoginTests
{
    static LoginTests() => SetDefaultExpectTimeout(30_000);

    private const string Token = "s3cret-for-the-ui-test";

    [Fact]
    public async Task A_page_opened_without_the_token_asks_for_it_and_then_works_live()
    {
        using var project = new BeadsProject(poolSize: 1, []);
        await using var server = await ServedGemba.StartAsync(project.Repo, null, "--orchestration", "mock", "--token", Token);
        await using var browser = await BrowserSession.StartAsync();
        var page = browser.Page;

        await page.GotoAsync(server.Url + "/pools");
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/login\\?return=%2Fpools$"));
        await page.Locator("#token").FillAsync("not-the-token");
        await page.GetByRole(Microsoft.Playwright.AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.GetByRole(Microsoft.Playwright.AriaRole.Alert)).ToContainTextAsync("not this server's token");
        await browser.ScreenshotAsync("login-wrong-token");

        await page.Locator("#token").FillAsync(Token);
        await page.GetByRole(Microsoft.Playwright.AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(server.Url + "/pools");
        // The live circuit runs on the cookie too: the page turns interactive and shows the pool.
        await Expect(page.Locator("main[data-interactive='true']")).ToBeVisibleAsync();
        await Expect(page.Locator("[data-pool='local/engineer']")).ToBeVisibleAsync();
        await browser.ScreenshotAsync("login-signed-in-pools");

        // The API without a credential is still a 401 in the error envelope, never the sign-in page.
        using var anonymous = await server.Http.GetAsync("api/pools");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Contains("\"unauthorized\"", await anonymous.Content.ReadAsStringAsync());
        // An absolute return address is not followed (no open redirect).
        using var noRedirect = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(server.Url + "/") };
        using var login = await noRedirect.PostAsync("login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["token"] = Token, ["return"] = "//evil.example/",
        }));
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        Assert.Equal("/", login.Headers.Location?.OriginalString);
    }
}
