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

        var (_, resumed) = await Send(HttpMethod.Post, "api/pools/local/engineer/resume");
        Assert.False(resumed["paused"]!.GetValue<bool>());
        Assert.Null(resumed["reason"]);
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

        var (nonceStatus, nonce) = await Send(HttpMethod.Post, "api/pools/local/engineer/pause", nonce: false);
        Assert.Equal((HttpStatusCode.BadRequest, "missing_confirm_nonce"), (nonceStatus, nonce["error"]!.GetValue<string>()));
    }
}
