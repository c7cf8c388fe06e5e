using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace Gemba.Functional.Tests;

/// <summary>
/// A launcher-started server on the mock plane whose only pool's floor is out of reach, so beads wait on
/// the board until an operator moves them.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class BoardServer : IAsyncLifetime
{
    private static string Line(string id, string kind, string description = "", string status = "open", string extra = "") =>
        $$"""{"_type":"issue","id":"{{id}}","title":"Board {{id}}","description":"{{description}}","status":"{{status}}","priority":2,"issue_type":"{{kind}}"{{extra}}}""";

    internal BeadsProject Project { get; } = new(1,
    [
        Line("wi-task", "task", "---\\ntemplate: noop\\n---\\nstarts from the board"),
        Line("wi-stage", "task"),
        Line("wi-dec", "decision"),
        Line("wi-epic", "epic"),
        Line("wi-blocked", "task", extra: ""","dependencies":[{"issue_id":"wi-blocked","depends_on_id":"wi-stage","type":"blocks"}]"""),
        Line("wi-done", "task", status: "closed"),
    ]);

    private ServedGemba _server = null!;

    internal GembaProcess Gemba => _server.Gemba;

    public HttpClient Http => _server.Http;

    public async Task InitializeAsync()
    {
        File.WriteAllText(Path.Combine(Project.Repo, ".gemba", "pool.toml"),
            "[pool]\ndefault_persona = \"engineer\"\n\n[pool.local.engineer]\nsize = 2\nagent_type = \"scripted\"\nfloor = 1.0\n");
        _server = await ServedGemba.StartAsync(Project.Repo, null, "--orchestration", "mock");
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Project.Dispose();
    }
}

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class WorkItemsApiTests(BoardServer server) : IClassFixture<BoardServer>
{
    private HttpClient Http => server.Http;

    private async Task<Dictionary<string, JsonNode>> Board()
    {
        var doc = JsonNode.Parse(await Http.GetStringAsync("api/work-items"))!;
        return doc["items"]!.AsArray().ToDictionary(i => i!["id"]!.GetValue<string>(), i => i!);
    }

    private async Task<(HttpStatusCode Status, JsonNode Body)> Move(string id, string category)
    {
        var request = new HttpRequestMessage(HttpMethod.Patch, $"api/work-items/{id}")
        {
            Content = new StringContent($$"""{"state_category": "{{category}}"}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("X-GEMBA-Confirm", Guid.NewGuid().ToString("N"));
        var response = await Http.SendAsync(request);
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync())!);
    }

    private string LineOf(string id) => File.ReadLines(server.Project.BeadsFile).Single(l => l.Contains($"\"id\":\"{id}\""));

    [Fact]
    public async Task The_board_lists_each_bead_with_its_category_column_and_why_it_waits()
    {
        var board = await Board();
        Assert.Equal(("unstarted", "ready"), (board["wi-task"]["state_category"]!.GetValue<string>(), board["wi-task"]["column"]!.GetValue<string>()));
        Assert.Equal(("backlog", "backlog"), (board["wi-blocked"]["state_category"]!.GetValue<string>(), board["wi-blocked"]["column"]!.GetValue<string>()));
        Assert.Contains("blocked by wi-stage", board["wi-blocked"]["why"]!.GetValue<string>());
        Assert.Equal(("completed", "done"), (board["wi-done"]["state_category"]!.GetValue<string>(), board["wi-done"]["column"]!.GetValue<string>()));
        Assert.True(board["wi-epic"]["wrapper"]!.GetValue<bool>());

        var backlogOnly = JsonNode.Parse(await Http.GetStringAsync("api/work-items?category=backlog"))!["items"]!.AsArray();
        Assert.All(backlogOnly, i => Assert.Equal("backlog", i!["state_category"]!.GetValue<string>()));
        var bad = await Http.GetAsync("api/work-items?category=soon");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }

    [Fact]
    public async Task Staging_and_backlog_are_labels_and_a_backlog_bead_is_held_back_from_dispatch()
    {
        var (status, staged) = await Move("wi-stage", "staged");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(("staged", "ready"), (staged["item"]!["state_category"]!.GetValue<string>(), staged["item"]!["column"]!.GetValue<string>()));
        Assert.Contains("gemba:staged", LineOf("wi-stage"));

        var (_, backlog) = await Move("wi-stage", "backlog");
        Assert.Equal("backlog", backlog["item"]!["state_category"]!.GetValue<string>());
        Assert.Contains("gemba:backlog", LineOf("wi-stage"));
        Assert.DoesNotContain("gemba:staged", LineOf("wi-stage"));

        var (_, back) = await Move("wi-stage", "unstarted");
        Assert.Equal("unstarted", back["item"]!["state_category"]!.GetValue<string>());
        Assert.DoesNotContain("gemba:", LineOf("wi-stage"));
    }

    [Fact]
    public async Task A_task_moved_to_started_gets_a_session_and_a_decision_only_changes_state()
    {
        var (status, started) = await Move("wi-task", "started");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.StartsWith("engineer-local-", started["session_id"]!.GetValue<string>());
        // The mock agent runs its noop template and closes the bead, past the pool's floor of 1.0.
        await Waits.Eventually(TimeSpan.FromSeconds(30), () => Task.FromResult(LineOf("wi-task").Contains("\"status\":\"closed\"")), server.Gemba, () => LineOf("wi-task"));

        var (decisionStatus, decision) = await Move("wi-dec", "started");
        Assert.Equal(HttpStatusCode.OK, decisionStatus);
        Assert.Null(decision["session_id"]);
        Assert.Equal("started", decision["item"]!["state_category"]!.GetValue<string>());
        Assert.Contains("\"status\":\"in_progress\"", LineOf("wi-dec"));
        var (_, done) = await Move("wi-dec", "completed");
        Assert.Equal("completed", done["item"]!["state_category"]!.GetValue<string>());
    }

    [Fact]
    public async Task Moves_that_cannot_happen_are_clear_json_errors_and_change_nothing()
    {
        var before = File.ReadAllText(server.Project.BeadsFile);
        foreach (var (id, category, code, expected) in new[]
                 {
                     ("nope", "staged", HttpStatusCode.NotFound, "work_item_not_found"),
                     ("wi-blocked", "soon", HttpStatusCode.BadRequest, "invalid_category"),
                     ("wi-blocked", "started", HttpStatusCode.Conflict, "blocked"),
                 })
        {
            var (status, body) = await Move(id, category);
            Assert.True((code, expected) == (status, body["error"]!.GetValue<string>()), $"{id} → {category}: {status} {body.ToJsonString()}");
        }
        Assert.Equal(before.Split('\n').Where(l => l.Contains("wi-blocked")), File.ReadAllText(server.Project.BeadsFile).Split('\n').Where(l => l.Contains("wi-blocked")));

        var request = new HttpRequestMessage(HttpMethod.Post, "api/work-items/wi-stage/cascade-dispatch");
        request.Headers.Add("X-GEMBA-Confirm", Guid.NewGuid().ToString("N"));
        var notWrapper = await Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.BadRequest, notWrapper.StatusCode);
        Assert.Equal("not_wrapper", JsonNode.Parse(await notWrapper.Content.ReadAsStringAsync())!["error"]!.GetValue<string>());
    }

    [Fact]
    public async Task An_epic_moved_to_started_is_a_cascade()
    {
        var (status, body) = await Move("wi-epic", "started");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.StartsWith("cascade started: wi-epic", body["message"]!.GetValue<string>());
        Assert.Contains("gemba:cascade-active", LineOf("wi-epic"));
    }
}
