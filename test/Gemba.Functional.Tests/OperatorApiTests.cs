using System.Net;
using System.Text.Json.Nodes;

namespace Gemba.Functional.Tests;

/// <summary>The operator routes over HTTP on a launcher-started server: shapes and clear errors.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
[Collection(EditorCollection.Name)]
public sealed class OperatorApiTests(EditorServer server)
{
    private HttpClient Http => server.Http;

    private async Task<(HttpStatusCode Status, JsonNode Body)> Send(HttpMethod method, string path, bool nonce = true)
    {
        var request = new HttpRequestMessage(method, path);
        if (nonce) request.Headers.Add("X-GEMBA-Confirm", Guid.NewGuid().ToString("N"));
        var response = await Http.SendAsync(request);
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync())!);
    }

    [Fact]
    public async Task Pause_and_resume_answer_with_the_pools_state()
    {
        var (status, paused) = await Send(HttpMethod.Post, "api/pools/local/engineer/pause?note=deploying");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(paused["paused"]!.GetValue<bool>());
        Assert.Equal("deploying", paused["reason"]!.GetValue<string>());
        Assert.NotNull(paused["since"]);
        // /api/pools answers from a shared read; a client's own change is never hidden by it.
        Assert.Equal("deploying", (await PoolRow())["paused"]?.GetValue<string>());

        var (_, resumed) = await Send(HttpMethod.Post, "api/pools/local/engineer/resume");
        Assert.False(resumed["paused"]!.GetValue<bool>());
        Assert.Null(resumed["reason"]);
        Assert.Null((await PoolRow())["paused"]);
    }

    private async Task<JsonNode> PoolRow()
    {
        var pools = JsonNode.Parse(await Http.GetStringAsync("api/pools"))!["pools"]!.AsArray();
        return pools.Single(p => p!["persona"]!.GetValue<string>() == "engineer")!;
    }

    [Fact]
    public async Task Unknown_pools_and_sessions_and_a_missing_nonce_are_clear_json_errors()
    {
        var (poolStatus, pool) = await Send(HttpMethod.Post, "api/pools/local/ghost/pause");
        Assert.Equal((HttpStatusCode.NotFound, "pool_not_found"), (poolStatus, pool["error"]!.GetValue<string>()));
        Assert.Contains("local/engineer", pool["message"]!.GetValue<string>());

        foreach (var (method, path) in new[] { (HttpMethod.Delete, "api/sessions/nobody"), (HttpMethod.Post, "api/sessions/nobody/drain"), (HttpMethod.Post, "api/sessions/nobody/recycle") })
        {
            var (status, body) = await Send(method, path);
            Assert.Equal((HttpStatusCode.NotFound, "session_not_found"), (status, body["error"]!.GetValue<string>()));
        }

        var (escalationStatus, escalation) = await Send(HttpMethod.Post, "api/escalations/nope/resolve");
        Assert.Equal((HttpStatusCode.NotFound, "escalation_not_found"), (escalationStatus, escalation["error"]!.GetValue<string>()));

        var (nonceStatus, nonce) = await Send(HttpMethod.Post, "api/pools/local/engineer/pause", nonce: false);
        Assert.Equal((HttpStatusCode.BadRequest, "missing_confirm_nonce"), (nonceStatus, nonce["error"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Starting_a_bead_by_hand_runs_it_past_the_floor_and_refuses_what_cannot_start()
    {
        // Floor 1.0 keeps auto-dispatch away; the operator's start goes through and the mock agent closes it.
        File.AppendAllText(server.Project.BeadsFile,
            """{"_type":"issue","id":"hand-1","title":"noop by hand","description":"---\ntemplate: noop\n---\nby hand","status":"open","priority":2,"issue_type":"task"}""" + "\n" +
            """{"_type":"issue","id":"hand-epic","title":"an epic","status":"open","priority":2,"issue_type":"epic"}""" + "\n");

        HttpResponseMessage? response = null;
        // The file watcher may not have delivered the new bead yet: not found is retried until it has.
        await Waits.Eventually(TimeSpan.FromSeconds(30), async () =>
        {
            var attempt = new HttpRequestMessage(HttpMethod.Post, "api/sessions") { Content = new StringContent("{\"bead_id\": \"hand-1\"}", System.Text.Encoding.UTF8, "application/json") };
            attempt.Headers.Add("X-GEMBA-Confirm", Guid.NewGuid().ToString("N"));
            response = await Http.SendAsync(attempt);
            return response.StatusCode != HttpStatusCode.NotFound;
        }, server.Gemba, () => "hand-1 to be known to the server");
        var started = JsonNode.Parse(await response!.Content.ReadAsStringAsync())!;
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var sessionId = started["session_id"]!.GetValue<string>();
        Assert.Equal($"/api/sessions/{sessionId}", response.Headers.Location?.ToString());
        Assert.Equal("engineer", started["persona"]!.GetValue<string>());
        await Waits.Eventually(TimeSpan.FromSeconds(30), async () => File.ReadAllText(server.Project.BeadsFile).Contains("\"id\":\"hand-1\"") &&
            File.ReadLines(server.Project.BeadsFile).Any(l => l.Contains("\"id\":\"hand-1\"") && l.Contains("\"status\":\"closed\"")), server.Gemba,
            () => "hand-1 closed by its session");

        foreach (var (body, status, code) in new[]
                 {
                     ("{\"bead_id\": \"hand-epic\"}", HttpStatusCode.UnprocessableEntity, "not_runnable"),
                     ("{\"bead_id\": \"hand-1\"}", HttpStatusCode.Conflict, "bead_not_ready"),
                     ("{\"bead_id\": \"no-such-bead\"}", HttpStatusCode.NotFound, "bead_not_found"),
                     ("{\"bead_id\": \"ed-1\", \"persona\": \"reviewer\"}", HttpStatusCode.NotFound, "no_pool"),
                     ("{\"bead_id\": \"ed-1\", \"persona\": \"a b\"}", HttpStatusCode.BadRequest, "invalid_name"),
                     ("{}", HttpStatusCode.BadRequest, "missing_field"),
                 })
        {
            var refused = new HttpRequestMessage(HttpMethod.Post, "api/sessions") { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
            refused.Headers.Add("X-GEMBA-Confirm", Guid.NewGuid().ToString("N"));
            var answer = await Http.SendAsync(refused);
            var error = JsonNode.Parse(await answer.Content.ReadAsStringAsync())!;
            Assert.True((status, code) == (answer.StatusCode, error["error"]!.GetValue<string>()), $"{body}: {answer.StatusCode} {error.ToJsonString()}");
        }
    }
}
