using System.Collections.Concurrent;
using System.Net;
using System.Text;

namespace Gemba.Functional.Tests;

/// <summary><c>gemba serve --otlp-endpoint</c> through the launcher, against a collector stand-in that records what it is sent.</summary>
public sealed class OtlpExportTests
{
    [Fact]
    public async Task Otlp_endpoint_receives_dispatch_spans_and_gemba_metrics()
    {
        using var collector = new Collector();
        using var dir = new TempDir();
        dir.File(".gemba/pool.toml", "[pool]\ndefault_persona = \"engineer\"\n\n[pool.local.engineer]\nsize = 1\n");
        dir.File(".gemba/personas/engineer.toml", "name = \"Engineer\"\n");
        dir.File(".beads/issues.jsonl",
            """{"id":"otlp-1","title":"Noop bead","description":"---\ntemplate: noop\n---\n","status":"open","priority":2,"issue_type":"task"}""" + "\n");
        var env = new Dictionary<string, string?>
        {
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            // Export within a second instead of the defaults' 5 s (spans) and 60 s (metrics).
            ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "500",
        };
        await using var served = await ServedGemba.StartAsync(dir.Path, env, "--orchestration", "mock", "--otlp-endpoint", collector.Url);

        // Protobuf keeps strings as UTF-8: the names are readable in the raw bodies.
        await Waits.Eventually(TimeSpan.FromSeconds(60), () => Task.FromResult(
                collector.Received("/v1/traces", "gemba.dispatch.cycle") && collector.Received("/v1/traces", "otlp-1")
                && collector.Received("/v1/metrics", "gemba.dispatch.latency")),
            served.Gemba, () => $"dispatch spans for otlp-1 on /v1/traces and gemba.dispatch.latency on /v1/metrics; received: {collector.Summary()}");
    }

    /// <summary>Answers every POST with 200 and keeps its path and body.</summary>
    private sealed class Collector : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly ConcurrentQueue<(string Path, byte[] Body)> _posts = new();
        private readonly Task _loop;

        public Collector()
        {
            var port = GembaProcess.FreePort();
            Url = $"http://127.0.0.1:{port}";
            _listener.Prefixes.Add(Url + "/");
            _listener.Start();
            _loop = Task.Run(Serve);
        }

        public string Url { get; }

        public bool Received(string path, string text)
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            return _posts.Any(p => p.Path == path && p.Body.AsSpan().IndexOf(bytes) >= 0);
        }

        public string Summary() => string.Join(", ", _posts.GroupBy(p => p.Path).Select(g => $"{g.Key} ×{g.Count()}"));

        private async Task Serve()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try { context = await _listener.GetContextAsync(); }
                catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException) { return; }
                using var body = new MemoryStream();
                await context.Request.InputStream.CopyToAsync(body);
                _posts.Enqueue((context.Request.Url!.AbsolutePath, body.ToArray()));
                context.Response.StatusCode = 200;
                context.Response.Close();
            }
        }

        public void Dispose()
        {
            _listener.Stop();
            _listener.Close();
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
    }
}
