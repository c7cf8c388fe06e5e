using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Gemba.Functional.Tests;

/// <summary>The HTTP surface against a real embedded server: shapes, the confirm nonce, errors.</summary>
public sealed class ApiTests(ApiHost host) : IClassFixture<ApiHost>
{
    private HttpClient Http => host.Http;

    private static HttpRequestMessage Post(string path, string? json, string? nonce)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path);
        if (json is not null) request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        if (nonce is not null) request.Headers.Add("X-GEMBA-Confirm", nonce);
        return request;
    }

    private static async Task<JsonElement> Json(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    [Fact]
    public async Task Pools_row_has_the_original_shape_with_members_always_an_array()
    {
        var doc = await Http.GetFromJsonAsync<JsonElement>("api/pools");
        var row = Assert.Single(doc.GetProperty("pools").EnumerateArray());
        Assert.Equal("local", row.GetProperty("scope").GetString());
        Assert.Equal("engineer", row.GetProperty("persona").GetString());
        Assert.Equal(2, row.GetProperty("size_target_declared").GetInt32());
        Assert.Equal(2, row.GetProperty("size_target_effective").GetInt32());
        foreach (var key in new[] { "size_actual", "idle", "working" }) Assert.Equal(JsonValueKind.Number, row.GetProperty(key).ValueKind);
        Assert.Equal(JsonValueKind.Array, row.GetProperty("members").ValueKind);
        Assert.True(DateTimeOffset.TryParse(doc.GetProperty("captured_at").GetString(), out _));
    }

    [Fact]
    public async Task Capabilities_name_the_planes_and_health_answers()
    {
        var caps = await Http.GetFromJsonAsync<JsonElement>("api/capabilities");
        Assert.False(string.IsNullOrEmpty(caps.GetProperty("instance_id").GetString()));
        Assert.Equal("jsonl", caps.GetProperty("work_plane").GetProperty("adaptor_id").GetString());
        Assert.Equal("mock", caps.GetProperty("orchestration_plane").GetProperty("adaptor_id").GetString());
        var health = await Http.GetFromJsonAsync<JsonElement>("healthz");
        Assert.Equal("ok", health.GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_mutation_without_the_confirm_nonce_is_refused()
    {
        using var response = await Http.SendAsync(Post("api/dispatch/poke", null, nonce: null));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("missing_confirm_nonce", (await Json(response)).GetProperty("error").GetString());
    }

    [Fact]
    public async Task A_replayed_nonce_returns_the_cached_response_but_only_on_the_same_route()
    {
        var nonce = Guid.NewGuid().ToString();
        using var first = await Http.SendAsync(Post("api/sessions/nobody/bead-done", null, nonce));
        using var replay = await Http.SendAsync(Post("api/sessions/nobody/bead-done", null, nonce));
        using var otherRoute = await Http.SendAsync(Post("api/dispatch/poke", null, nonce));

        Assert.Equal(HttpStatusCode.NotFound, first.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, replay.StatusCode);
        Assert.Equal("true", replay.Headers.GetValues("X-GEMBA-Confirm-Replay").Single());
        Assert.Equal(await first.Content.ReadAsStringAsync(), await replay.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Accepted, otherRoute.StatusCode);
        Assert.False(otherRoute.Headers.Contains("X-GEMBA-Confirm-Replay"));
    }

    [Fact]
    public async Task Bead_done_for_an_unknown_session_is_a_404_with_a_stable_code()
    {
        using var response = await Http.SendAsync(Post("api/sessions/no-such-session/bead-done", "{\"bead\":\"x-1\"}", Guid.NewGuid().ToString()));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var body = await Json(response);
        Assert.Equal("session_not_found", body.GetProperty("error").GetString());
        Assert.Contains("no-such-session", body.GetProperty("message").GetString());
    }

    [Fact]
    public async Task A_malformed_json_body_is_rejected_naming_where_it_broke()
    {
        using var response = await Http.SendAsync(Post("api/sessions/anyone/state", "{\"state\": \"working\",\n  oops}", Guid.NewGuid().ToString()));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = await Json(response);
        Assert.Equal("invalid_body", body.GetProperty("error").GetString());
        Assert.Contains("line 2", body.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Unknown_api_routes_answer_json_not_html()
    {
        using var response = await Http.GetAsync("api/no/such/thing");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("not_found", (await Json(response)).GetProperty("error").GetString());
    }

    [Fact]
    public async Task A_new_bead_is_dispatched_closed_and_explained()
    {
        var bead = $"api-{Guid.NewGuid():N}"[..12];
        await File.AppendAllTextAsync(host.BeadsFile,
            $$"""{"id":"{{bead}}","title":"Noop bead","description":"---\ntemplate: noop\n---\n","status":"open","priority":2,"issue_type":"task","labels":["api"]}""" + "\n");
        using var poke = await Http.SendAsync(Post("api/dispatch/poke", null, Guid.NewGuid().ToString()));
        Assert.Equal(HttpStatusCode.Accepted, poke.StatusCode);

        var deadline = DateTime.UtcNow.AddSeconds(20);
        JsonElement decision = default;
        while (DateTime.UtcNow < deadline)
        {
            var decisions = (await Http.GetFromJsonAsync<JsonElement>($"api/dispatch/decisions?bead={bead}")).GetProperty("decisions");
            var found = decisions.EnumerateArray().Where(d => d.GetProperty("outcome").GetString() == "dispatched").ToList();
            if (found.Count > 0 && File.ReadAllText(host.BeadsFile).Contains("\"closed_at\"")) { decision = found[0]; break; }
            await Task.Delay(100);
        }
        Assert.Equal(JsonValueKind.Object, decision.ValueKind);
        Assert.Equal("local", decision.GetProperty("scope").GetString());
        Assert.Equal("engineer", decision.GetProperty("persona").GetString());
        Assert.InRange(decision.GetProperty("scores").GetProperty("combined").GetDouble(), 0.5, 1.0);
        var sessions = await Http.GetFromJsonAsync<JsonElement>("api/sessions");
        Assert.Contains(sessions.GetProperty("sessions").EnumerateArray(),
            s => s.GetProperty("session_id").GetString() == decision.GetProperty("session_id").GetString());
    }
}
