using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Gemba.Api;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Gemba.Functional.Tests;

/// <summary>
/// The HTTP contract against a real embedded server: one error envelope for every failure (ours and
/// the framework's), the confirm nonce's replay rules, and the OpenAPI document covering every route.
/// </summary>
public sealed class HttpContractTests(ApiHost host) : IClassFixture<ApiHost>
{
    private const string NonceHeader = "X-GEMBA-Confirm";
    private const string ReplayHeader = "X-GEMBA-Confirm-Replay";

    private HttpClient Http => host.Http;

    private static HttpRequestMessage Request(HttpMethod method, string path, string? json, string? nonce)
    {
        var request = new HttpRequestMessage(method, path);
        if (json is not null) request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        if (nonce is not null) request.Headers.Add(NonceHeader, nonce);
        return request;
    }

    private static HttpRequestMessage Post(string path, string? json, string? nonce) => Request(HttpMethod.Post, path, json, nonce);

    /// <summary>An error is JSON with the stable code; returns its message.</summary>
    private static async Task<string> AssertError(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {(int)status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var body = JsonDocument.Parse(text).RootElement;
        Assert.Equal(code, body.GetProperty("error").GetString());
        var message = body.GetProperty("message").GetString();
        Assert.False(string.IsNullOrWhiteSpace(message), $"no message in {text}");
        return message!;
    }

    private static bool IsReplay(HttpResponseMessage response) =>
        response.Headers.TryGetValues(ReplayHeader, out var values) && values.Single() == "true";

    private async Task<JsonElement> Session(string id) => await Http.GetFromJsonAsync<JsonElement>($"api/sessions/{id}");

    private static async Task<T> Poll<T>(TimeSpan timeout, Func<Task<T?>> probe, Func<string> expected) where T : class
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (await probe() is { } found) return found;
            if (DateTime.UtcNow > deadline) Assert.Fail($"not within {timeout}: {expected()}");
            await Task.Delay(100);
        }
    }

    /// <summary>A live session at rest (ready, holding nothing).</summary>
    private async Task<string> ReadySession(string? except = null)
    {
        var last = "";
        return await Poll(TimeSpan.FromSeconds(30), async () =>
        {
            var doc = await Http.GetFromJsonAsync<JsonElement>("api/sessions");
            last = doc.GetRawText();
            return doc.GetProperty("sessions").EnumerateArray()
                .Where(s => s.GetProperty("status").GetString() == "ready" && !s.TryGetProperty("bead_id", out _))
                .Select(s => s.GetProperty("session_id").GetString()).FirstOrDefault(id => id != except);
        }, () => $"a ready session other than {except ?? "-"}; sessions: {last}");
    }

    /// <summary>A bead the mock agent works on for ten minutes, so the test decides when it is done.</summary>
    private async Task<(string Session, string Bead)> HeldBead()
    {
        await ReadySession();
        var bead = $"http-{Guid.NewGuid():N}"[..13];
        await File.AppendAllTextAsync(host.BeadsFile,
            $$"""{"id":"{{bead}}","title":"Long bead","description":"---\ntemplate: noop\nduration_ms: 600000\n---\n","status":"open","priority":2,"issue_type":"task"}""" + "\n");
        using (var poke = await Http.SendAsync(Post("api/dispatch/poke", null, Guid.NewGuid().ToString()))) Assert.Equal(HttpStatusCode.Accepted, poke.StatusCode);
        var session = await Poll(TimeSpan.FromSeconds(30), async () =>
        {
            var sessions = (await Http.GetFromJsonAsync<JsonElement>("api/sessions")).GetProperty("sessions").EnumerateArray();
            return sessions.Where(s => s.TryGetProperty("bead_id", out var b) && b.GetString() == bead)
                .Select(s => s.GetProperty("session_id").GetString()).FirstOrDefault();
        }, () => $"a session holding {bead}");
        return (session, bead);
    }

    [Fact]
    public async Task A_mutation_without_a_nonce_is_400_missing_confirm_nonce()
    {
        using var response = await Http.SendAsync(Post("api/dispatch/poke", null, nonce: null));
        await AssertError(response, HttpStatusCode.BadRequest, "missing_confirm_nonce");
        using var blank = await Http.SendAsync(Post("API/dispatch/poke/", null, nonce: "  "));
        await AssertError(blank, HttpStatusCode.BadRequest, "missing_confirm_nonce");
    }

    [Fact]
    public async Task A_replay_however_the_route_is_spelled_returns_the_first_answer_and_the_action_runs_once()
    {
        var session = await ReadySession();
        var nonce = Guid.NewGuid().ToString();
        try
        {
            using var first = await Http.SendAsync(Post($"api/sessions/{session}/state", """{"state":"working"}""", nonce));
            var firstText = await first.Content.ReadAsStringAsync();
            Assert.True(first.StatusCode == HttpStatusCode.OK, firstText);
            Assert.False(IsReplay(first));
            using (var moveOn = await Http.SendAsync(Post($"api/sessions/{session}/state", """{"state":"prompting"}""", Guid.NewGuid().ToString())))
                Assert.Equal(HttpStatusCode.OK, moveOn.StatusCode);

            // Run again, the first request would put the session back to working: it stays prompting.
            foreach (var spelling in new[] { $"api/sessions/{session}/state", $"API/sessions/{session}/state", $"api/sessions/{session}/state/", $"Api/Sessions/{session}/State/" })
            {
                using var replay = await Http.SendAsync(Post(spelling, """{"state":"working"}""", nonce));
                Assert.Equal(HttpStatusCode.OK, replay.StatusCode);
                Assert.True(IsReplay(replay), $"{spelling} was not answered as a replay");
                Assert.Equal(firstText, await replay.Content.ReadAsStringAsync());
                Assert.Equal("prompting", (await Session(session)).GetProperty("status").GetString());
            }
        }
        finally
        {
            (await Http.SendAsync(Post($"api/sessions/{session}/state", """{"state":"ready"}""", Guid.NewGuid().ToString()))).Dispose();
        }
    }

    [Fact]
    public async Task The_same_nonce_on_another_route_or_another_session_runs_there()
    {
        var session = await ReadySession();
        var nonce = Guid.NewGuid().ToString();
        using var poke = await Http.SendAsync(Post("api/dispatch/poke", null, nonce));
        Assert.Equal(HttpStatusCode.Accepted, poke.StatusCode);

        using var state = await Http.SendAsync(Post($"api/sessions/{session}/state", """{"state":"prompting"}""", nonce));
        try
        {
            Assert.False(IsReplay(state), "the nonce used on poke was replayed on another route");
            Assert.Equal(HttpStatusCode.OK, state.StatusCode);
            Assert.Equal("prompting", (await Session(session)).GetProperty("status").GetString());

            // Same pattern, another session id: a route of its own.
            using var other = await Http.SendAsync(Post("api/sessions/nobody-here/state", """{"state":"prompting"}""", nonce));
            Assert.False(IsReplay(other), "the nonce used on one session was replayed on another");
            await AssertError(other, HttpStatusCode.NotFound, "session_not_found");
        }
        finally
        {
            (await Http.SendAsync(Post($"api/sessions/{session}/state", """{"state":"ready"}""", Guid.NewGuid().ToString()))).Dispose();
        }
    }

    [Fact]
    public async Task Concurrent_requests_with_one_nonce_run_once_and_all_get_the_same_answer()
    {
        var (session, _) = await HeldBead();
        var doneBefore = (await Session(session)).GetProperty("beads_done").GetInt32();
        var nonce = Guid.NewGuid().ToString();

        // Separate connections, released together, so the requests overlap inside the server.
        var clients = Enumerable.Range(0, 6).Select(_ => new HttpClient { BaseAddress = Http.BaseAddress }).ToList();
        try
        {
            foreach (var c in clients) (await c.GetAsync("healthz")).Dispose();
            var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var sends = clients.Select(async c =>
            {
                await go.Task;
                // No bead id: run a second time, bead-done would be refused (409), as nothing is held any more.
                using var response = await c.SendAsync(Post($"api/sessions/{session}/bead-done", null, nonce));
                return (response.StatusCode, Text: await response.Content.ReadAsStringAsync(), Replay: IsReplay(response));
            }).ToList();
            go.SetResult();
            var answers = await Task.WhenAll(sends);

            Assert.All(answers, a => Assert.True(a.StatusCode == HttpStatusCode.OK, $"{(int)a.StatusCode}: {a.Text}"));
            Assert.Single(answers.Select(a => a.Text).Distinct());
            Assert.Single(answers, a => !a.Replay);
            Assert.Equal(doneBefore + 1, (await Session(session)).GetProperty("beads_done").GetInt32());
        }
        finally
        {
            foreach (var c in clients) c.Dispose();
        }
    }

    [Fact]
    public async Task A_declared_body_over_the_limit_is_413_body_too_large_before_the_handler()
    {
        var session = await ReadySession();
        var big = "{\"state\":\"" + new string('x', 2 * 1024 * 1024) + "\"}";
        var request = Post($"api/sessions/{session}/state", big, Guid.NewGuid().ToString());
        // As a well-behaved client of a large upload does: without 100-continue the client may still be
        // sending when the server answers and closes, and see a reset instead of the 413 (seen in a run).
        request.Headers.ExpectContinue = true;
        using var declared = await Http.SendAsync(request);
        var message = await AssertError(declared, HttpStatusCode.RequestEntityTooLarge, "body_too_large");
        Assert.Contains("1048576", message);
    }

    [Fact]
    public async Task A_streamed_body_over_the_limit_is_413_body_too_large_from_the_handler_read()
    {
        var session = await ReadySession();
        // Just over the limit: what is left to send when the server answers fits in the socket buffers, so the
        // client reads the 413 rather than a reset from writing into a closed connection.
        var big = "{\"state\":\"" + new string('x', 1024 * 1024 + 4096) + "\"}";

        // Chunked: no length up front, so the limit bites while the handler reads.
        var streamed = Post($"api/sessions/{session}/state", null, Guid.NewGuid().ToString());
        streamed.Content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(big)));
        streamed.Headers.TransferEncodingChunked = true;
        using var chunked = await Http.SendAsync(streamed);
        await AssertError(chunked, HttpStatusCode.RequestEntityTooLarge, "body_too_large");
        Assert.Equal("ready", (await Session(session)).GetProperty("status").GetString());
    }

    [Theory]
    [InlineData("api/dispatch/decisions?limit=abc", "limit", "abc", "an integer")]
    [InlineData("api/sessions?include_ended=maybe", "include_ended", "maybe", "true or false")]
    [InlineData("api/sessions?includeEnded=maybe", "includeEnded", "maybe", "true or false")]
    public async Task A_query_value_that_does_not_parse_is_400_invalid_query_naming_it(string path, string parameter, string value, string expected)
    {
        using var response = await Http.GetAsync(path);
        var message = await AssertError(response, HttpStatusCode.BadRequest, "invalid_query");
        Assert.Contains($"query parameter '{parameter}' has an invalid value '{value}': expected {expected}", message);
    }

    [Fact]
    public async Task Snake_case_include_ended_is_honoured()
    {
        var all = (await Http.GetFromJsonAsync<JsonElement>("api/sessions?include_ended=true")).GetProperty("sessions").GetArrayLength();
        var live = (await Http.GetFromJsonAsync<JsonElement>("api/sessions")).GetProperty("sessions").GetArrayLength();
        Assert.True(all >= live, $"include_ended=true listed {all}, fewer than the {live} live sessions");
    }

    [Theory]
    [InlineData("GET", "nope")]
    [InlineData("GET", "api/nope")]
    [InlineData("GET", "API/NO/such/thing/")]
    [InlineData("POST", "api/nope")]
    public async Task An_unknown_route_is_a_json_404_not_found(string method, string path)
    {
        using var response = await Http.SendAsync(Request(new HttpMethod(method), path, null, Guid.NewGuid().ToString()));
        var message = await AssertError(response, HttpStatusCode.NotFound, "not_found");
        Assert.Contains(path, message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("GET", "api/dispatch/poke", "POST")]
    [InlineData("POST", "api/pools", "GET")]
    [InlineData("DELETE", "api/sessions", "GET")]
    public async Task A_wrong_method_is_a_json_405_method_not_allowed(string method, string path, string allowed)
    {
        using var response = await Http.SendAsync(Request(new HttpMethod(method), path, null, Guid.NewGuid().ToString()));
        var message = await AssertError(response, HttpStatusCode.MethodNotAllowed, "method_not_allowed");
        Assert.Contains(allowed, message);
    }

    [Fact]
    public async Task A_server_error_is_500_internal_with_a_trace_id_and_no_exception_text_and_is_not_replayed()
    {
        var log = new LogLines();
        var runs = 0;
        await using var app = await PipelineOnly(log, app => app.MapPost("/api/explode", () =>
        {
            Interlocked.Increment(ref runs);
            throw new InvalidOperationException("secret: /home/someone/.ssh/id_rsa leaked");
        }));
        using var client = app.GetTestClient();

        var nonce = Guid.NewGuid().ToString();
        foreach (var attempt in new[] { 1, 2 })
        {
            using var response = await client.SendAsync(Post("/api/explode", null, nonce));
            var text = await response.Content.ReadAsStringAsync();
            var message = await AssertError(response, HttpStatusCode.InternalServerError, "internal");
            Assert.DoesNotContain("secret", text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("InvalidOperationException", text, StringComparison.Ordinal);
            var trace = JsonDocument.Parse(text).RootElement.GetProperty("trace_id").GetString();
            Assert.False(string.IsNullOrEmpty(trace));
            Assert.Contains(trace!, message);
            Assert.False(IsReplay(response));
            Assert.Equal(attempt, runs);
            // What the client is not told, the operator finds in the log under the same trace id.
            Assert.Contains(log.Lines, l => l.Contains(trace!, StringComparison.Ordinal) && l.Contains("secret: /home/someone", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Problem_results_from_a_handler_are_written_in_our_envelope_too()
    {
        await using var app = await PipelineOnly(new LogLines(), app =>
        {
            app.MapGet("/api/validate", () => TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["pools[0].size"] = ["must be at least 0"] }));
            app.MapGet("/api/problem", () => TypedResults.Problem(detail: "the pool file changed underneath", statusCode: 409));
            app.MapGet("/api/bare", () => TypedResults.NotFound());
        });
        using var client = app.GetTestClient();

        using var invalid = await client.GetAsync("/api/validate");
        Assert.Contains("pools[0].size: must be at least 0", await AssertError(invalid, HttpStatusCode.BadRequest, "validation_failed"));
        using var problem = await client.GetAsync("/api/problem");
        Assert.Equal("the pool file changed underneath", await AssertError(problem, HttpStatusCode.Conflict, "conflict"));
        using var bare = await client.GetAsync("/api/bare");
        await AssertError(bare, HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task A_missing_or_wrong_bearer_token_is_401_unauthorized_in_the_envelope()
    {
        await using var app = await PipelineOnly(new LogLines(), app => app.MapGet("/api/thing", () => TypedResults.Ok()), token: "s3cret");
        using var client = app.GetTestClient();

        using var none = await client.GetAsync("/api/thing");
        Assert.Contains("no bearer token was sent", await AssertError(none, HttpStatusCode.Unauthorized, "unauthorized"));
        var wrong = new HttpRequestMessage(HttpMethod.Get, "/api/thing");
        wrong.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "guess");
        using var refused = await client.SendAsync(wrong);
        Assert.Contains("does not match", await AssertError(refused, HttpStatusCode.Unauthorized, "unauthorized"));
        var right = new HttpRequestMessage(HttpMethod.Get, "/api/thing");
        right.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "s3cret");
        using var ok = await client.SendAsync(right);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
    }

    /// <summary>
    /// The product's HTTP pipeline (AddGembaApi, UseGembaApi) on a test server with endpoints of the
    /// test's own, for what no product endpoint does on demand (fail, return a problem result).
    /// </summary>
    private static async Task<WebApplication> PipelineOnly(LogLines log, Action<WebApplication> map, string? token = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(log);
        builder.Services.AddGembaApi(new GembaServerInfo("test", "0", null, null, null));
        var app = builder.Build();
        app.UseGembaApi(bearerToken: token);
        map(app);
        await app.StartAsync();
        return app;
    }

    /// <summary>Keeps what the server logs, message and exception, one line per entry.</summary>
    private sealed class LogLines : ILoggerProvider, ILogger
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<string> _lines = new();

        public IReadOnlyCollection<string> Lines => _lines;

        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            _lines.Enqueue($"{logLevel}: {formatter(state, exception)} {exception}");

        public void Dispose() { }
    }

    [Fact]
    public async Task The_openapi_document_lists_every_api_route_with_its_method()
    {
        var doc = await Http.GetFromJsonAsync<JsonElement>("openapi/v1.json");
        var paths = doc.GetProperty("paths");
        var endpoints = host.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<IExcludeFromDescriptionMetadata>() is not { ExcludeFromDescription: true })
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? []).Select(m => (Path: OpenApiPath(e), Method: m)))
            .Where(e => e.Path == "/healthz" || e.Path.StartsWith("/api/", StringComparison.Ordinal))
            .ToList();
        Assert.True(endpoints.Count >= 14, $"only {endpoints.Count} API endpoints found: the enumeration is broken");

        var missing = endpoints.Where(e => !paths.TryGetProperty(e.Path, out var item) || !item.TryGetProperty(e.Method.ToLowerInvariant(), out _))
            .Select(e => $"{e.Method} {e.Path}").ToList();
        Assert.True(missing.Count == 0, "not in /openapi/v1.json: " + string.Join(", ", missing));

        // Mutations show the nonce the middleware demands.
        foreach (var (path, method) in endpoints.Where(e => e.Method is "POST" or "PUT" or "PATCH" or "DELETE"))
        {
            var parameters = paths.GetProperty(path).GetProperty(method.ToLowerInvariant()).GetProperty("parameters").EnumerateArray();
            Assert.Contains(parameters, p => p.GetProperty("name").GetString() == NonceHeader && p.GetProperty("in").GetString() == "header");
        }
    }

    [Fact]
    public async Task The_api_docs_page_is_ours_and_reads_the_document()
    {
        using var response = await Http.GetAsync("api-docs");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("/openapi/v1.json", html);
        Assert.DoesNotContain("http://", html);
        Assert.DoesNotContain("https://", html);
    }

    /// <summary>How OpenAPI spells a route: parameters as <c>{name}</c>, constraints and catch-all stars dropped.</summary>
    private static string OpenApiPath(RouteEndpoint endpoint)
    {
        var segments = endpoint.RoutePattern.PathSegments.Select(s => string.Concat(s.Parts.Select(p => p switch
        {
            Microsoft.AspNetCore.Routing.Patterns.RoutePatternLiteralPart l => l.Content,
            Microsoft.AspNetCore.Routing.Patterns.RoutePatternParameterPart q => "{" + q.Name + "}",
            Microsoft.AspNetCore.Routing.Patterns.RoutePatternSeparatorPart s => s.Content,
            _ => "",
        })));
        return "/" + string.Join('/', segments);
    }
}
