using System.CommandLine;
using System.Net.Http.Json;

namespace Gemba.Silo.Commands;

/// <summary>
/// <c>gemba state &lt;token&gt; [--bead ID]</c> (also installed as <c>gemba-state</c>): an agent tells the
/// server it is done (<c>bead-done</c>) or what it is doing. Outside a gemba session
/// (no <c>GEMBA_URL</c>/<c>GEMBA_SESSION_ID</c>) it does nothing and exits 0, so skills can call it blindly.
/// </summary>
internal static class StateCommand
{
    private static readonly Argument<string> Token = new("token") { Description = "bead-done, working, prompting, stalled or ready" };
    private static readonly Option<string?> Bead = new("--bead") { Description = "The bead this signal is about (fences stale signals)" };

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

        using var http = new HttpClient { BaseAddress = new Uri(url.TrimEnd('/') + "/"), Timeout = TimeSpan.FromSeconds(15) };
        using var request = token == "bead-done"
            ? new HttpRequestMessage(HttpMethod.Post, $"api/sessions/{Uri.EscapeDataString(session)}/bead-done") { Content = JsonContent.Create(new { bead }) }
            : new HttpRequestMessage(HttpMethod.Post, $"api/sessions/{Uri.EscapeDataString(session)}/state") { Content = JsonContent.Create(new { state = token }) };
        request.Headers.Add("X-GEMBA-Confirm", Guid.NewGuid().ToString("N"));
        var bearer = Environment.GetEnvironmentVariable("GEMBA_TOKEN");
        if (!string.IsNullOrEmpty(bearer)) request.Headers.Authorization = new("Bearer", bearer);
        try
        {
            using var response = await http.SendAsync(request, cancel);
            if (response.IsSuccessStatusCode) return 0;
            await Console.Error.WriteLineAsync($"gemba-state: {token} for {session} refused ({(int)response.StatusCode}): {await response.Content.ReadAsStringAsync(cancel)}");
            return 1;
        }
        catch (HttpRequestException ex)
        {
            await Console.Error.WriteLineAsync($"gemba-state: cannot reach {url}: {ex.Message}");
            return 1;
        }
    }
}
