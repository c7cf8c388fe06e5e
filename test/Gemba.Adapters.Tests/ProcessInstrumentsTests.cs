using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Gemba.Silo.Processes;

namespace Gemba.Adapters.Tests;

/// <summary>Every external call is timed by program and result, whatever becomes of it.</summary>
public sealed class ProcessInstrumentsTests : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<(double Ms, string? Program, string? Result)> _seen = new();
    // Other tests run programs at the same time: this test's calls carry a display name of their own.
    private readonly string _program = $"probe-{Guid.NewGuid():N}";

    public ProcessInstrumentsTests()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == ProcessInstruments.MeterName && instrument.Name == "gemba.process.duration")
                listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<double>((_, ms, tags, _) =>
        {
            string? program = null, result = null;
            foreach (var tag in tags)
            {
                if (tag.Key == "gemba.program") program = tag.Value as string;
                if (tag.Key == "gemba.result") result = tag.Value as string;
            }
            if (program == _program) _seen.Enqueue((ms, program, result));
        });
        _listener.Start();
    }

    [Fact]
    public async Task A_call_records_its_duration_as_ok_failed_timeout_or_not_started()
    {
        await ProcessRunner.RunAsync("true", [], TimeSpan.FromSeconds(20), displayName: _program);
        await ProcessRunner.RunAsync("false", [], TimeSpan.FromSeconds(20), displayName: _program);
        await Assert.ThrowsAsync<ProcessRunException>(() => ProcessRunner.RunAsync("sleep", ["30"], TimeSpan.FromMilliseconds(200), displayName: _program));
        await Assert.ThrowsAsync<ProcessRunException>(() => ProcessRunner.RunAsync("/nonexistent/gemba-probe", [], TimeSpan.FromSeconds(5), displayName: _program));

        Assert.Equal(["ok", "failed", "timeout", "not-started"], _seen.Select(s => s.Result));
        var timedOut = _seen.Single(s => s.Result == "timeout");
        Assert.InRange(timedOut.Ms, 150, 20_000);
    }

    public void Dispose() => _listener.Dispose();
}
