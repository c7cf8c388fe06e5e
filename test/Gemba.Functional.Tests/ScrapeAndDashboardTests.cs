using System.Net;
using System.Net.Http.Headers;

namespace Gemba.Functional.Tests;

/// <summary><c>gemba serve --prometheus --dashboard</c> through the launcher: what an operator scrapes and opens.</summary>
public sealed class ScrapeAndDashboardTests
{
    private const string Token = "scrape-secret";

    [Fact]
    public async Task Prometheus_and_the_dashboard_answer_behind_the_token_with_our_metric_names()
    {
        using var dir = new TempDir();
        dir.File(".gemba/pool.toml", "[pool]\ndefault_persona = \"engineer\"\n\n[pool.local.engineer]\nsize = 1\n");
        dir.File(".gemba/personas/engineer.toml", "name = \"Engineer\"\n");
        dir.File(".beads/issues.jsonl",
            """{"id":"prom-1","title":"Noop bead","description":"---\ntemplate: noop\n---\n","status":"open","priority":2,"issue_type":"task"}""" + "\n");
        await using var served = await ServedGemba.StartAsync(dir.Path, null, "--orchestration", "mock", "--prometheus", "--dashboard", "--token", Token);

        using (var anonymous = await served.Http.GetAsync("metrics"))
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        using (var anonymous = await served.Http.GetAsync("admin/dashboard/"))
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);

        served.Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        var scrape = "";
        string[] names =
        [
            "gemba_dispatch_latency_seconds_count", "gemba_dispatch_cycles_total", "gemba_dispatch_beads_total", "gemba_dispatch_outcomes_total",
            "gemba_dispatch_cycle_duration_milliseconds_bucket", "gemba_ready_depth", "gemba_pool_size", "gemba_pool_members", "gemba_pool_busy",
            "gemba_outcome=\"dispatched\"",
        ];
        // The bead is dispatched and closed by the mock agent. Its instruments are recorded at different
        // points of the cycle (the latency at the hand-over, the bead count when the cycle ends), so a
        // scrape in between can see some of them: wait until one shows them all.
        await Waits.Eventually(TimeSpan.FromSeconds(60), async () =>
        {
            scrape = await served.Http.GetStringAsync("metrics");
            return names.All(n => scrape.Contains(n, StringComparison.Ordinal));
        }, served.Gemba, () => $"missing on /metrics: {string.Join(", ", names.Where(n => !scrape.Contains(n, StringComparison.Ordinal)))}; last scrape:\n{scrape}");
        // The Orleans meters are exported beside ours.
        Assert.Contains("orleans_", scrape);

        using var dashboard = await served.Http.GetAsync("admin/dashboard/");
        Assert.Equal(HttpStatusCode.OK, dashboard.StatusCode);
        Assert.Equal("text/html", dashboard.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Without_the_flags_there_is_no_scrape_endpoint_nor_dashboard()
    {
        using var dir = new TempDir();
        dir.File(".beads/issues.jsonl", "");
        await using var served = await ServedGemba.StartAsync(dir.Path, null, "--orchestration", "mock");
        using var metrics = await served.Http.GetAsync("metrics");
        Assert.Equal(HttpStatusCode.NotFound, metrics.StatusCode);
        using var dashboard = await served.Http.GetAsync("admin/dashboard/");
        Assert.Equal(HttpStatusCode.NotFound, dashboard.StatusCode);
    }
}
