using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;

namespace Gemba.Silo.Commands;

/// <summary>
/// <c>gemba state &lt;token&gt; [--bead ID]</c> (also installed as <c>gemba-state</c>): an agent tells the
/// server it is done (<c>bead-done</c>) or what it is doing. Outside a gemba session
/// (no <c>GEMBA_URL</c>/<c>GEMBA_SESSION_ID</c>) it does nothing and exits 0, so skills can call it blindly.
/// </summary>
/// <remarks>
/// A signal must not be lost to a server restart: while the server cannot be reached or answers 5xx
/// the call is retried for a bounded time (<c>GEMBA_STATE_RETRY_SECONDS</c>, default 60), always with
/// the same confirm nonce, so a retry of a request that did land returns the first answer instead of
/// acting twice. After that it fails loudly (exit 1, the reason on stderr). A refusal (4xx) is final.
/// </remarks>
internal static class StateCommand
{
    private static readonly Argument<string> Token = new("token") { Description = "bead-done, working, prompting, stalled or ready" };
    private static readonly Option<string?> Bead = new("--bead") { Description = "The bead this signal is about (fences stale signals)" };

    private static readonly TimeSpan DefaultRetryWindow = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(15);

    public static Command Create()
    {
        var command = new Command("state", "Report an agent's state to the gemba server (no-op outside a session)") { Token, Bead };
        command.SetAction((parse, cancel) => RunAsync(parse.GetValue(Token)!, parse.GetValue(Bead), cancel));
        return command;
    }

    public static async Task<int> RunAsync(string token, string? bead, CancellationToken cancel)
    {
        var url = Environment.GetEnvironmentVariable("GEMBA_URL");
        var session = Environment.GetEnvironmentVariable("GEMBA_SESSION_ID");
        if (string.IsNullOrWhiteSpace(url) || string.IsNullOrWhiteSpace(session)) return 0;
        if (!Uri.TryCreate(url.TrimEnd('/') + "/", UriKind.Absolute, out var baseUri))
        {
            await Console.Error.WriteLineAsync($"gemba-state: GEMBA_URL \"{url}\" is not an absolute URL");
            return 1;
        }

        var nonce = Guid.NewGuid().ToString("N");
        var bearer = Environment.GetEnvironmentVariable("GEMBA_TOKEN");
        var window = RetryWindow();
        var clock = Stopwatch.StartNew();
        var delay = TimeSpan.FromMilliseconds(200);
        using var http = new HttpClient { BaseAddress = baseUri, Timeout = AttemptTimeout };
        string lastProblem;
        var attempts = 0;
        while (true)
        {
            attempts++;
            using var request = Build(token, bead, session, nonce, bearer);
            try
            {
                using var response = await http.SendAsync(request, cancel);
                if (response.IsSuccessStatusCode) return 0;
                var body = await response.Content.ReadAsStringAsync(cancel);
                if ((int)response.StatusCode < 500)
                {
                    await Console.Error.WriteLineAsync($"gemba-state: {token} for {session} refused ({(int)response.StatusCode}): {body}");
                    return 1;
                }
                lastProblem = $"the server answered {(int)response.StatusCode}: {body}";
            }
            catch (HttpRequestException ex)
            {
                lastProblem = $"cannot reach {url}: {ex.Message}";
            }
            catch (TaskCanceledException) when (!cancel.IsCancellationRequested)
            {
                lastProblem = $"no answer from {url} within {AttemptTimeout.TotalSeconds:0} s";
            }

            var left = window - clock.Elapsed;
            if (left <= TimeSpan.Zero)
            {
                await Console.Error.WriteLineAsync(
                    $"gemba-state: {token} for {session} NOT delivered after {attempts} attempt(s) over {clock.Elapsed.TotalSeconds:0} s: {lastProblem}");
                return 1;
            }
            if (attempts == 1) await Console.Error.WriteLineAsync($"gemba-state: {lastProblem}; retrying for up to {window.TotalSeconds:0} s");
            await Task.Delay(delay < left ? delay : left, cancel);
            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 2000));
        }
    }

    private static HttpRequestMessage Build(string token, string? bead, string session, string nonce, string? bearer)
    {
        var path = $"api/sessions/{Uri.EscapeDataString(session)}";
        var request = token == "bead-done"
            ? new HttpRequestMessage(HttpMethod.Post, $"{path}/bead-done") { Content = JsonContent.Create(new { bead }) }
            : new HttpRequestMessage(HttpMethod.Post, $"{path}/state") { Content = JsonContent.Create(new { state = token }) };
        request.Headers.Add("X-GEMBA-Confirm", nonce);
        if (!string.IsNullOrEmpty(bearer)) request.Headers.Authorization = new("Bearer", bearer);
        return request;
    }

    private static TimeSpan RetryWindow() =>
        double.TryParse(Environment.GetEnvironmentVariable("GEMBA_STATE_RETRY_SECONDS"), NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds >= 0
            ? TimeSpan.FromSeconds(seconds)
            : DefaultRetryWindow;
}
