using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace Gemba.Functional.Tests;

/// <summary>
/// <c>gemba serve --orchestration gastown</c> through the launcher, with the faithful fake <c>gt</c>
/// first on the PATH: the editor's Gas Town endpoints run the real argument lists against it.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class GasTownEditorServer : IAsyncLifetime
{
    internal FakeGasTown Town { get; } = new();

    private ServedGemba _server = null!;

    internal GembaProcess Gemba => _server.Gemba;

    public HttpClient Http => _server.Http;

    public async Task InitializeAsync() =>
        _server = await ServedGemba.StartAsync(Town.Town, Town.Environment, "--orchestration", "gastown");

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Town.Dispose();
    }
}

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class GasTownEditorApiTests(GasTownEditorServer server) : IClassFixture<GasTownEditorServer>
{
    private HttpClient Http => server.Http;

    private static async Task<JsonNode> Json(HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync()) ?? throw new InvalidOperationException("empty body");

    private Task<HttpResponseMessage> Send(HttpMethod method, string path, string body)
    {
        var request = new HttpRequestMessage(method, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("X-GEMBA-Confirm", Guid.NewGuid().ToString("N"));
        return Http.SendAsync(request);
    }

    [Fact]
    public async Task State_imports_rigs_and_polecats_from_gt_and_notes_what_gt_lacks()
    {
        var state = await Json(await Http.GetAsync("api/orchestration/state"));
        Assert.Equal("gastown", state["adaptor_id"]!.GetValue<string>());
        var scopes = state["scopes"]!.AsArray();
        Assert.Equal(["alpha", "beta"], scopes.Select(s => s!["id"]!.GetValue<string>()));
        Assert.All(scopes, s => Assert.Equal("rig", s!["kind"]!.GetValue<string>()));
        Assert.Equal(["engineer"], scopes[0]!["personas"]!.AsArray().Select(p => p!.GetValue<string>()));
        Assert.Empty(scopes[1]!["personas"]!.AsArray());
        Assert.Equal("parked", scopes[1]!["status"]!.GetValue<string>());
        var polecat = Assert.Single(state["polecats"]!.AsArray());
        Assert.Equal("alpha", polecat!["scope"]!.GetValue<string>());
        Assert.Equal("engineer", polecat["persona"]!.GetValue<string>());
        Assert.Contains(state["notes"]!.AsArray(), n => n!.GetValue<string>().Contains("rig create"));
    }

    [Fact]
    public async Task New_polecat_runs_the_real_gt_command_as_an_argument_list_and_returns_its_output()
    {
        var response = await Send(HttpMethod.Post, "api/orchestration/polecats", "{\"rig\": \"beta\", \"persona\": \"engineer\"}");
        var run = await Json(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("gt polecat identity add beta engineer", run["command"]!.GetValue<string>());
        Assert.Contains("Created polecat identity beta/engineer", run["stdout"]!.GetValue<string>());
        Assert.True(run["ok"]!.GetValue<bool>());
        Assert.Contains(server.Town.Calls, c => c.SequenceEqual(["polecat", "identity", "add", "beta", "engineer"]));
    }

    [Fact]
    public async Task New_rig_with_a_url_clones_and_without_adopts()
    {
        var clone = await Json(await Send(HttpMethod.Post, "api/orchestration/scopes", "{\"name\": \"gamma\", \"git_url\": \"https://example.com/gamma.git\"}"));
        var adopt = await Json(await Send(HttpMethod.Post, "api/orchestration/scopes", "{\"name\": \"delta\"}"));
        Assert.Equal("gt rig add gamma https://example.com/gamma.git", clone["command"]!.GetValue<string>());
        Assert.Equal("gt rig add delta --adopt", adopt["command"]!.GetValue<string>());
        Assert.Contains(server.Town.Calls, c => c.SequenceEqual(["rig", "add", "gamma", "https://example.com/gamma.git"]));
    }

    [Fact]
    public async Task Scheduler_config_reads_and_sets_max_polecats_through_gt()
    {
        var set = await Send(HttpMethod.Put, "api/orchestration/scheduler-config", "{\"max_polecats\": 5}");
        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        Assert.Equal("gt config set scheduler.max_polecats 5", (await Json(set))["command"]!.GetValue<string>());
        var get = await Json(await Http.GetAsync("api/orchestration/scheduler-config"));
        Assert.Equal(5, get["max_polecats"]!.GetValue<int>());

        var unlimited = await Json(await Send(HttpMethod.Put, "api/orchestration/scheduler-config", "{\"max_polecats\": -1}"));
        Assert.Equal("gt config set scheduler.max_polecats -- -1", unlimited["command"]!.GetValue<string>());
        var bad = await Send(HttpMethod.Put, "api/orchestration/scheduler-config", "{\"max_polecats\": -7}");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("invalid_value", (await Json(bad))["error"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_failing_gt_is_a_502_with_the_command_and_its_stderr()
    {
        server.Town.Respond("rig-add", stdout: "", exit: 1, stderr: "Error: rig epsilon already exists\n");
        try
        {
            var response = await Send(HttpMethod.Post, "api/orchestration/scopes", "{\"name\": \"epsilon\"}");
            var run = await Json(response);
            Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
            Assert.False(run["ok"]!.GetValue<bool>());
            Assert.Equal("gt rig add epsilon --adopt", run["command"]!.GetValue<string>());
            Assert.Contains("already exists", run["stderr"]!.GetValue<string>());
        }
        finally
        {
            server.Town.Reset("rig-add");
        }
    }

    [Fact]
    public async Task Bad_names_and_missing_fields_never_reach_gt()
    {
        var flag = await Send(HttpMethod.Post, "api/orchestration/scopes", "{\"name\": \"--force\"}");
        var spaced = await Send(HttpMethod.Post, "api/orchestration/polecats", "{\"rig\": \"alpha\", \"persona\": \"a b\"}");
        var url = await Send(HttpMethod.Post, "api/orchestration/scopes", "{\"name\": \"ok\", \"git_url\": \"--upload-pack=touch /tmp/x\"}");
        var missing = await Send(HttpMethod.Post, "api/orchestration/polecats", "{\"rig\": \"alpha\"}");
        var blank = await Send(HttpMethod.Post, "api/orchestration/scopes", "{\"name\": \"  \"}");

        foreach (var response in new[] { flag, spaced, url }) Assert.Equal("invalid_name", (await Json(response))["error"]!.GetValue<string>());
        Assert.Equal("missing_field", (await Json(missing))["error"]!.GetValue<string>());
        Assert.Equal("missing_name", (await Json(blank))["error"]!.GetValue<string>());
        Assert.DoesNotContain(server.Town.Calls, c => c.Contains("--force") || c.Contains("a b") || c.Any(a => a.StartsWith("--upload-pack")) || c.Contains("ok"));
    }
}
