using System.Diagnostics;
using Gemba.Config;
using Gemba.Grains.Diagnostics;
using Gemba.Silo.Hosting;
using Gemba.Silo.WorkPlanes;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Gemba.Functional.Tests;

/// <summary>
/// A real embedded server wired with <see cref="GembaTelemetry"/> and in-memory exporters: what an
/// OTLP collector would receive for one bead, from dispatch to close.
/// </summary>
/// <remarks>
/// Alone: exporters listen to sources and meters by name, process-wide, so another in-process
/// server dispatching at the same time would add its spans and measurements to this one's.
/// </remarks>
[Collection(TelemetryCollection.Name)]
public sealed class TelemetryTests : IAsyncLifetime
{
    private readonly TempDir _dir = new();
    private readonly LockedList<Activity> _spans = new();
    private readonly List<MetricSnapshot> _metrics = [];
    private WebApplication? _app;
    private JsonlWorkPlane? _workPlane;
    private HttpClient _http = null!;

    private string BeadsFile => Path.Combine(_dir.Path, ".beads", "issues.jsonl");

    public async Task InitializeAsync()
    {
        _dir.File(".gemba/pool.toml", "[pool]\ndefault_persona = \"engineer\"\n\n[pool.local.engineer]\nsize = 1\n");
        _dir.File(".gemba/personas/engineer.toml", "name = \"Engineer\"\n");
        _dir.File(".beads/issues.jsonl", "");
        var port = GembaProcess.FreePort();
        var options = new ServeOptions
        {
            BeadsDir = Path.Combine(_dir.Path, ".beads"),
            Orchestration = "mock",
            WorkPlane = "jsonl",
            PoolConfig = Path.Combine(_dir.Path, ".gemba", "pool.toml"),
            AgentsRegistry = Path.Combine(_dir.Path, ".gemba", "agents.toml"),
            PersonasDir = Path.Combine(_dir.Path, ".gemba", "personas"),
            StateDir = Path.Combine(_dir.Path, ".gemba", "state"),
            Port = port,
            Quiet = true,
            Telemetry = otel => otel
                .WithTracing(t => t.AddInMemoryExporter(_spans))
                .WithMetrics(m => m.AddInMemoryExporter(_metrics)),
        };
        var config = ConfigSet.Load(options.PoolConfig, options.AgentsRegistry, options.PersonasDir, ScopeMode.Native, 1);
        Assert.False(config.HasErrors, string.Join("\n", config.Findings));
        _workPlane = new JsonlWorkPlane(options.BeadsDir, TimeProvider.System, NullLogger.Instance);
        _app = GembaSiloHost.Build(options, new ConfigState(options, config), _workPlane);
        await _app.StartAsync();
        _http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        _workPlane?.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public async Task A_dispatched_bead_leaves_a_traced_journey_and_a_latency_measurement()
    {
        const string bead = "tel-1";
        await File.AppendAllTextAsync(BeadsFile,
            $$"""{"id":"{{bead}}","title":"Noop bead","description":"---\ntemplate: noop\n---\n","status":"open","priority":2,"issue_type":"task"}""" + "\n");
        using (var poke = new HttpRequestMessage(HttpMethod.Post, "api/dispatch/poke"))
        {
            poke.Headers.Add("X-GEMBA-Confirm", Guid.NewGuid().ToString());
            (await _http.SendAsync(poke)).EnsureSuccessStatusCode();
        }

        // The journey ends with the close span; everything before it has been exported by then.
        var close = await Eventually(() => _spans.Snapshot().FirstOrDefault(s => s.OperationName == GembaActivities.Close && Tag(s, GembaActivities.BeadTag) == bead),
            () => $"a {GembaActivities.Close} span for {bead}; spans so far: {Names()}");
        var sessionId = Tag(close, GembaActivities.SessionTag);
        Assert.False(string.IsNullOrEmpty(sessionId));
        var spans = _spans.Snapshot();

        var claim = Assert.Single(spans, s => s.OperationName == GembaActivities.Claim && Tag(s, GembaActivities.BeadTag) == bead);
        Assert.Equal(sessionId, Tag(claim, GembaActivities.SessionTag));
        var handOver = Assert.Single(spans, s => s.OperationName == GembaActivities.HandOver && Tag(s, GembaActivities.BeadTag) == bead);
        Assert.Equal(sessionId, Tag(handOver, GembaActivities.SessionTag));
        Assert.Equal("dispatched", Tag(handOver, GembaActivities.OutcomeTag));

        // Claim and hand-over are children of one dispatch cycle span, which counts the bead.
        var cycle = Assert.Single(spans, s => s.OperationName == GembaActivities.Cycle && s.SpanId == claim.ParentSpanId);
        Assert.Equal(cycle.SpanId, handOver.ParentSpanId);
        Assert.Equal("local", Tag(cycle, GembaActivities.ScopeTag));
        Assert.Equal(1, cycle.GetTagItem(GembaActivities.DispatchedTag));

        // The pool and session grain calls of the hand-over are spans of the same trace, under it,
        // and the session marks where the agent got the bead.
        var grainSpans = spans.Where(s => s.Source.Name.StartsWith("Microsoft.Orleans", StringComparison.Ordinal) && s.TraceId == cycle.TraceId).ToList();
        Assert.Contains(grainSpans, s => s.ParentSpanId == handOver.SpanId);
        var working = grainSpans.SelectMany(s => s.Events).Where(e => e.Name == GembaActivities.Working).ToList();
        Assert.Contains(working, e => e.Tags.Any(t => t.Key == GembaActivities.BeadTag && (string?)t.Value == bead)
            && e.Tags.Any(t => t.Key == GembaActivities.SessionTag && (string?)t.Value == sessionId));

        // The bead's end is its own trace, linked to the grain turn that handed it over.
        var done = Assert.Single(spans, s => s.OperationName == GembaActivities.BeadDone && Tag(s, GembaActivities.BeadTag) == bead);
        Assert.Equal(done.SpanId, close.ParentSpanId);
        Assert.Equal("done", Tag(done, GembaActivities.OutcomeTag));
        Assert.Equal("closed", Tag(close, GembaActivities.OutcomeTag));
        Assert.Contains(done.Links, l => l.Context.TraceId == cycle.TraceId);

        // An HTTP request and the grain calls it makes are one trace.
        (await _http.GetAsync($"api/sessions/{sessionId}")).EnsureSuccessStatusCode();
        var http = await Eventually(() => _spans.Snapshot().FirstOrDefault(s => s.Source.Name == "Microsoft.AspNetCore" && s.DisplayName.Contains("/api/sessions/", StringComparison.Ordinal)),
            () => $"an ASP.NET Core span for GET /api/sessions/{{id}}; spans: {Names()}");
        Assert.Contains(_spans.Snapshot(), s => s.Source.Name.StartsWith("Microsoft.Orleans", StringComparison.Ordinal) && s.TraceId == http.TraceId);

        _app!.Services.GetRequiredService<MeterProvider>().ForceFlush();
        var latency = _metrics.LastOrDefault(m => m.Name == "gemba.dispatch.latency");
        Assert.True(latency is not null, $"no gemba.dispatch.latency among {string.Join(", ", _metrics.Select(m => m.Name).Distinct())}");
        Assert.Equal("s", latency.Unit);
        var point = Assert.Single(latency.MetricPoints);
        Assert.Equal(1, point.GetHistogramCount());
        Assert.Contains(_metrics, m => m.Name == "gemba.ready.depth");
        Assert.Contains(_metrics, m => m.Name == "gemba.pool.size");
        Assert.Contains(_metrics, m => m.Name.StartsWith("orleans-", StringComparison.Ordinal) || m.Name.StartsWith("orleans.", StringComparison.Ordinal));
    }

    private string Names() => string.Join(", ", _spans.Snapshot().Select(s => s.OperationName).Distinct());

    private static string? Tag(Activity span, string key) => span.GetTagItem(key) as string;

    private static async Task<T> Eventually<T>(Func<T?> probe, Func<string> expected) where T : class
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            if (probe() is { } found) return found;
            if (DateTime.UtcNow > deadline) Assert.Fail($"not within 30 s: {expected()}");
            await Task.Delay(50);
        }
    }

    /// <summary>The exporter adds from the threads that end spans while the test reads.</summary>
    private sealed class LockedList<T> : ICollection<T>
    {
        private readonly List<T> _items = [];

        public List<T> Snapshot() { lock (_items) return [.. _items]; }

        public void Add(T item) { lock (_items) _items.Add(item); }

        public void Clear() { lock (_items) _items.Clear(); }

        public bool Contains(T item) { lock (_items) return _items.Contains(item); }

        public void CopyTo(T[] array, int arrayIndex) { lock (_items) _items.CopyTo(array, arrayIndex); }

        public bool Remove(T item) { lock (_items) return _items.Remove(item); }

        public int Count { get { lock (_items) return _items.Count; } }

        public bool IsReadOnly => false;

        public IEnumerator<T> GetEnumerator() => Snapshot().GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TelemetryCollection
{
    public const string Name = "telemetry, alone in the process";
}
