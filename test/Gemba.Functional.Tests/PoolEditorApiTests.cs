using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Gemba.Functional.Tests;

/// <summary>
/// A server started through the launcher in a beads project, on the mock plane, whose pool.toml the
/// tests edit over HTTP. Beads never dispatch on their own: the pool's floor is out of reach, so the
/// ready beads stay ready for the what-if.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class EditorServer : IAsyncLifetime
{
    public const string PoolToml = """
        # the operator's pool config: keep this comment
        [pool]
        default_persona = "engineer"
        reserved_for_manual = 1

        [pool.local.engineer]
        size = 2          # two engineers
        agent_type = "scripted"
        floor = 1.0       # nothing scores this high: beads wait
        """;

    internal BeadsProject Project { get; } = new(2, [BeadsProject.Bead("ed-1"), BeadsProject.Bead("ed-2"), BeadsProject.Bead("ed-3")]);

    private ServedGemba _server = null!;

    internal GembaProcess Gemba => _server.Gemba;

    public HttpClient Http => _server.Http;

    public string PoolFile => Path.Combine(Project.Repo, ".gemba", "pool.toml");

    public async Task InitializeAsync()
    {
        File.WriteAllText(PoolFile, PoolToml.Replace("\r", "") + "\n");
        File.WriteAllText(Path.Combine(Project.Repo, ".gemba", "personas", "reviewer.toml"), "name = \"Reviewer\"\nskills = [\"review\"]\n");
        Project.Git("add", "-A");
        Project.Git("commit", "-q", "-m", "editor pools");
        _server = await ServedGemba.StartAsync(Project.Repo, null, "--orchestration", "mock");
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Project.Dispose();
    }
}

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
[Collection(EditorCollection.Name)]
public sealed class PoolEditorApiTests(EditorServer server)
{
    private HttpClient Http => server.Http;

    private static async Task<JsonNode> Json(HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync()) ?? throw new InvalidOperationException("empty body");

    private async Task<JsonNode> GetConfig() => await Json(await Http.GetAsync("api/pool-config"));

    private static HttpRequestMessage Send(HttpMethod method, string path, JsonNode? body, string? version = null, string? nonce = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (body is not null) request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        request.Headers.Add("X-GEMBA-Confirm", nonce ?? Guid.NewGuid().ToString("N"));
        if (version is not null) request.Headers.TryAddWithoutValidation("If-Match", $"\"{version}\"");
        return request;
    }

    /// <summary>Every test leaves the file as it found it, so they do not depend on their order.</summary>
    private async Task RestoreAsync()
    {
        File.WriteAllText(server.PoolFile, EditorServer.PoolToml.Replace("\r", "") + "\n");
        await Waits.Eventually(TimeSpan.FromSeconds(30), async () =>
            (await Json(await Http.GetAsync("api/pools")))["pools"]![0]!["size_target_declared"]!.GetValue<int>() == 2, server.Gemba,
            () => "the restored file to be reloaded");
    }

    [Fact]
    public async Task Get_returns_the_file_its_parse_the_clamp_inputs_and_a_version_that_is_the_etag()
    {
        var response = await Http.GetAsync("api/pool-config");
        var doc = await Json(response);
        Assert.Equal(server.PoolFile, doc["path"]!.GetValue<string>());
        Assert.Equal(File.ReadAllText(server.PoolFile), doc["body"]!.GetValue<string>());
        Assert.Equal(2, doc["parsed"]!["pools"]!["local"]!["engineer"]!["size"]!.GetValue<int>());
        Assert.Equal(1.0, doc["parsed"]!["pools"]!["local"]!["engineer"]!["floor"]!.GetValue<double>());
        Assert.Equal(4, doc["max_parallel"]!.GetValue<int>());
        Assert.Equal(1, doc["reserved_for_manual"]!.GetValue<int>());
        Assert.StartsWith("sha256:", doc["version"]!.GetValue<string>());
        Assert.Equal($"\"{doc["version"]}\"", response.Headers.ETag?.ToString());
        Assert.IsType<JsonArray>(doc["findings"]);
    }

    [Fact]
    public async Task Save_edits_the_file_in_place_applies_live_and_says_what_changed()
    {
        var before = await GetConfig();
        var draft = before["parsed"]!.DeepClone();
        draft["pools"]!["local"]!["engineer"]!["size"] = 3;
        draft["pools"]!["local"]!["engineer"]!["floor"] = 0.9;

        var response = await Http.SendAsync(Send(HttpMethod.Put, "api/pool-config", draft, before["version"]!.GetValue<string>()));
        var saved = await Json(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(saved["applied"]!.GetValue<bool>());
        var changes = saved["changes"]!.AsArray().Select(c => c!["kind"]!.GetValue<string>() + ":" + c["detail"]!.GetValue<string>()).ToList();
        Assert.Contains("grown:size 2 → 3", changes);
        Assert.Contains("re_floored:floor 1.0 → 0.9", changes);
        var text = File.ReadAllText(server.PoolFile);
        Assert.Contains("# the operator's pool config: keep this comment", text);
        Assert.Contains("size = 3          # two engineers", text);
        Assert.Contains("floor = 0.9       # nothing scores this high: beads wait", text);
        Assert.Equal(saved["config"]!["version"]!.GetValue<string>(), (await GetConfig())["version"]!.GetValue<string>());
        // Applied by the save itself, not a restart: the pools in force show it at once.
        var pools = await Json(await Http.GetAsync("api/pools"));
        Assert.Equal(3, pools["pools"]![0]!["size_target_declared"]!.GetValue<int>());
        Assert.Equal(0.9, pools["pools"]![0]!["floor"]!.GetValue<double>());
        await RestoreAsync();
    }

    [Fact]
    public async Task Save_without_a_version_is_refused_with_428()
    {
        var draft = (await GetConfig())["parsed"]!.DeepClone();
        var response = await Http.SendAsync(Send(HttpMethod.Put, "api/pool-config", draft));
        Assert.Equal((HttpStatusCode)428, response.StatusCode);
        Assert.Equal("version_required", (await Json(response))["error"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_file_changed_on_disk_since_the_read_gives_409_with_both_versions_and_keeps_the_outside_edit()
    {
        var before = await GetConfig();
        var seen = before["version"]!.GetValue<string>();
        // An editor that knows nothing of gemba's locks appends a line.
        File.AppendAllText(server.PoolFile, "# added by vim\n");
        var draft = before["parsed"]!.DeepClone();
        draft["pools"]!["local"]!["engineer"]!["size"] = 1;

        var response = await Http.SendAsync(Send(HttpMethod.Put, "api/pool-config", draft, seen));
        var error = await Json(response);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("version_conflict", error["error"]!.GetValue<string>());
        Assert.Equal(seen, error["base_version"]!.GetValue<string>());
        Assert.NotEqual(seen, error["current_version"]!.GetValue<string>());
        Assert.EndsWith("# added by vim\n", error["current"]!["body"]!.GetValue<string>());
        var text = File.ReadAllText(server.PoolFile);
        Assert.EndsWith("# added by vim\n", text);
        Assert.Contains("size = 2", text);
        await RestoreAsync();
    }

    [Fact]
    public async Task An_invalid_draft_is_refused_with_422_and_findings_naming_the_field_and_nothing_is_written()
    {
        var before = await GetConfig();
        var draft = before["parsed"]!.DeepClone();
        draft["pools"]!["local"]!["engineer"]!["floor"] = 1.5;
        draft["pools"]!["local"]!["ghost"] = new JsonObject { ["size"] = 1, ["agent_type"] = "scripted" };

        var response = await Http.SendAsync(Send(HttpMethod.Put, "api/pool-config", draft, before["version"]!.GetValue<string>()));
        var error = await Json(response);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("invalid_config", error["error"]!.GetValue<string>());
        var findings = error["findings"]!.AsArray();
        var floor = Assert.Single(findings, f => f!["field"]?.GetValue<string>() == "pool.local.engineer.floor");
        Assert.Equal("error", floor!["severity"]!.GetValue<string>());
        Assert.Contains("floor must be in [0, 1]", floor["message"]!.GetValue<string>());
        Assert.True(floor["line"]!.GetValue<int>() > 0);
        Assert.Contains(findings, f => f!["field"]?.GetValue<string>() == "pool.local.ghost" && f["message"]!.GetValue<string>().Contains("not in known personas"));
        Assert.Equal(EditorServer.PoolToml.Replace("\r", "") + "\n", File.ReadAllText(server.PoolFile));
    }

    [Fact]
    public async Task A_body_that_is_not_a_pool_config_is_a_400_naming_where()
    {
        var version = (await GetConfig())["version"]!.GetValue<string>();
        var request = Send(HttpMethod.Put, "api/pool-config", null, version);
        request.Content = new StringContent("{\"pools\": {\"local\": {\"engineer\": {\"size\": \"three\"}}}}", Encoding.UTF8, "application/json");
        var response = await Http.SendAsync(request);
        var error = await Json(response);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_body", error["error"]!.GetValue<string>());
        Assert.Contains("size", error["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task Check_shows_the_text_to_be_written_its_diff_and_the_what_if_of_the_draft()
    {
        var draft = (await GetConfig())["parsed"]!.DeepClone();
        var highFloor = await Json(await Http.SendAsync(Send(HttpMethod.Post, "api/pool-config/check", draft)));
        draft["pools"]!["local"]!["engineer"]!["floor"] = 0.0;
        var zeroFloor = await Json(await Http.SendAsync(Send(HttpMethod.Post, "api/pool-config/check", draft)));
        draft["pools"]!["local"]!["engineer"]!["size"] = -1;
        var disabled = await Json(await Http.SendAsync(Send(HttpMethod.Post, "api/pool-config/check", draft)));

        Assert.True(zeroFloor["can_save"]!.GetValue<bool>());
        Assert.Contains("floor = 0.0       # nothing scores this high: beads wait", zeroFloor["body"]!.GetValue<string>());
        var changed = zeroFloor["diff"]!.AsArray().Where(d => d!["op"]!.GetValue<string>() != "same").Select(d => d!["op"] + " " + d!["text"]).ToList();
        Assert.Equal(["removed floor = 1.0       # nothing scores this high: beads wait", "added floor = 0.0       # nothing scores this high: beads wait"], changed);

        // Three ready beads, none claimed: the floor decides whether they would go now.
        Assert.Equal(3, highFloor["what_if"]!["ready"]!.GetValue<int>());
        Assert.Equal(0, highFloor["what_if"]!["dispatch"]!.GetValue<int>());
        Assert.Equal(3, highFloor["what_if"]!["below_floor"]!.GetValue<int>());
        Assert.Equal(2, zeroFloor["what_if"]!["dispatch"]!.GetValue<int>());
        Assert.Equal(3, disabled["what_if"]!["no_persona"]!.GetValue<int>());
        Assert.Equal(EditorServer.PoolToml.Replace("\r", "") + "\n", File.ReadAllText(server.PoolFile));
    }

    [Fact]
    public async Task Personas_and_agents_list_the_files_on_disk()
    {
        var personas = await Json(await Http.GetAsync("api/personas"));
        var ids = personas["personas"]!.AsArray().Select(p => p!["id"]!.GetValue<string>()).ToList();
        Assert.Equal(["engineer", "reviewer"], ids);
        Assert.Equal("Reviewer", personas["personas"]![1]!["name"]!.GetValue<string>());
        Assert.Equal("review", personas["personas"]![1]!["skills"]![0]!.GetValue<string>());
        Assert.EndsWith(Path.Combine(".gemba", "personas"), personas["dir"]!.GetValue<string>());

        var agents = await Json(await Http.GetAsync("api/agents"));
        var agent = Assert.Single(agents["agents"]!.AsArray());
        Assert.Equal("scripted", agent!["id"]!.GetValue<string>());
        Assert.Equal("agent", agent["kind"]!.GetValue<string>());
        Assert.Equal(1, agents["total"]!.GetValue<int>());
        Assert.Equal(4, agents["max_parallel"]!.GetValue<int>());
    }

    [Fact]
    public async Task Gas_Town_calls_on_another_adaptor_are_the_unsupported_error()
    {
        var state = await Json(await Http.GetAsync("api/orchestration/state"));
        Assert.Equal("mock", state["adaptor_id"]!.GetValue<string>());
        Assert.Equal("scripted", state["agent_types"]![0]!.GetValue<string>());

        foreach (var (method, path, body) in new[]
                 {
                     (HttpMethod.Post, "api/orchestration/scopes", "{\"name\":\"alpha\"}"),
                     (HttpMethod.Post, "api/orchestration/polecats", "{\"rig\":\"alpha\",\"persona\":\"engineer\"}"),
                     (HttpMethod.Put, "api/orchestration/scheduler-config", "{\"max_polecats\":3}"),
                     (HttpMethod.Get, "api/orchestration/scheduler-config", ""),
                 })
        {
            var request = Send(method, path, null);
            if (body.Length > 0) request.Content = new StringContent(body, Encoding.UTF8, "application/json");
            var response = await Http.SendAsync(request);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("kind_unsupported", (await Json(response))["error"]!.GetValue<string>());
        }
    }
}

[CollectionDefinition(Name)]
public sealed class EditorCollection : ICollectionFixture<EditorServer>
{
    public const string Name = "pool editor server";
}
