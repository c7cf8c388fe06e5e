namespace Gemba.Functional.Tests;

/// <summary>
/// <c>gemba serve</c> started through the launcher in a prepared directory (JSONL beads), answering on a free
/// port: the functional and browser tests' server.
/// </summary>
internal sealed class ServedGemba : IAsyncDisposable
{
    private ServedGemba(GembaProcess gemba, int port)
    {
        Gemba = gemba;
        Url = $"http://127.0.0.1:{port}";
        Http = new HttpClient { BaseAddress = new Uri(Url + "/") };
    }

    public GembaProcess Gemba { get; }

    public string Url { get; }

    public HttpClient Http { get; }

    public static async Task<ServedGemba> StartAsync(string directory, IDictionary<string, string?>? env, params string[] args)
    {
        var port = GembaProcess.FreePort();
        var gemba = GembaProcess.Start(directory, env, ["serve", "--work-plane", "jsonl", "--port", port.ToString(), "--quiet", .. args]);
        var server = new ServedGemba(gemba, port);
        // The first start after a source change builds through the launcher.
        await Waits.Eventually(TimeSpan.FromSeconds(180), async () => (await server.Http.GetAsync("healthz")).IsSuccessStatusCode,
            gemba, () => "the server to answer /healthz");
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Gemba.DisposeAsync();
    }
}
