using System.Collections.Concurrent;
using System.Globalization;
using Gemba.Grains.Dispatch;
using Gemba.Orchestration;
using Gemba.Sessions;
using Gemba.WorkPlanes;
using Microsoft.Extensions.Logging;

namespace Gemba.Silo.Orchestration;

/// <summary>
/// In-process agents for demos, workflow validation and load tests. A bead's work takes its
/// <c>duration_ms:</c> (frontmatter) or the plane's default, then the agent reports bead-done
/// (or failure) through the same signals a real agent's <c>gemba-state</c> reaches.
/// </summary>
internal sealed partial class MockOrchestrationPlane(
    IWorkPlane workPlane,
    Lazy<ISessionSignals> signals,
    MockPlaneOptions options,
    TimeProvider time,
    ILogger<MockOrchestrationPlane> log) : IOrchestrationPlane
{
    public const string Id = "mock";

    private readonly MockTemplates _templates = new();
    private readonly ConcurrentDictionary<string, CancellationTokenSource> _live = new(StringComparer.Ordinal);
    private int _panes;

    public string AdaptorId => Id;

    public Task<SessionHandle> SpawnAsync(SpawnRequest request, CancellationToken cancellationToken = default)
    {
        var pane = $"mock-pane-{Interlocked.Increment(ref _panes)}";
        var handle = new SessionHandle(request.SessionId, Id, pane, null);
        _live[request.SessionId] = new CancellationTokenSource();
        if (request.FirstBead is { } first) Schedule(handle, first);
        return Task.FromResult(handle);
    }

    public Task DeliverAsync(SessionHandle handle, BeadAssignment assignment, CancellationToken cancellationToken = default)
    {
        if (!_live.ContainsKey(handle.SessionId))
            throw new InvalidOperationException($"mock: session {handle.SessionId} has no live pane (was the process restarted?)");
        Schedule(handle, assignment);
        return Task.CompletedTask;
    }

    public Task RecycleAsync(SessionHandle handle, CancellationToken cancellationToken = default) => Task.CompletedTask;

    public Task StopAsync(SessionHandle handle, CancellationToken cancellationToken = default)
    {
        if (_live.TryRemove(handle.SessionId, out var cts)) cts.Cancel();
        return Task.CompletedTask;
    }

    public Task<bool> IsAliveAsync(SessionHandle handle, CancellationToken cancellationToken = default) =>
        Task.FromResult(_live.ContainsKey(handle.SessionId));

    public Task<WorktreeStatus> CheckWorktreeAsync(SessionHandle handle, CancellationToken cancellationToken = default) =>
        Task.FromResult(WorktreeStatus.Clean);

    /// <summary>Runs the bead off the grain scheduler: the grain that delivered it must not wait.</summary>
    private void Schedule(SessionHandle handle, BeadAssignment assignment)
    {
        var stop = _live.TryGetValue(handle.SessionId, out var cts) ? cts.Token : CancellationToken.None;
        _ = Task.Run(() => RunAsync(handle, assignment, stop), CancellationToken.None);
    }

    private async Task RunAsync(SessionHandle handle, BeadAssignment assignment, CancellationToken stop)
    {
        string? failure;
        try
        {
            var bead = await workPlane.GetAsync(assignment.BeadId, stop);
            if (bead is null)
            {
                failure = $"mock: bead {assignment.BeadId} not found in the work plane";
            }
            else
            {
                var front = Frontmatter.Parse(bead.Description);
                var duration = front.TryGetValue("duration_ms", out var ms) && int.TryParse(ms, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed)
                    ? TimeSpan.FromMilliseconds(Math.Max(0, parsed))
                    : options.DefaultDuration;
                if (duration > TimeSpan.Zero) await Task.Delay(duration, time, stop);
                var template = MockTemplates.Pick(front.GetValueOrDefault("template"), bead.Title);
                failure = template is null
                    ? $"mock: no template matches bead {bead.Id} (frontmatter template={front.GetValueOrDefault("template") ?? "-"}, title=\"{bead.Title}\")"
                    : _templates.Run(template, bead.Id);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return; // the session was stopped; nobody is waiting for this bead any more
        }
        catch (Exception ex)
        {
            failure = $"mock: {ex.Message}";
        }

        try
        {
            if (failure is null) await signals.Value.BeadDoneAsync(handle.SessionId, assignment.BeadId, CancellationToken.None);
            else await signals.Value.FailedAsync(handle.SessionId, assignment.BeadId, failure, CancellationToken.None);
        }
        catch (Exception ex)
        {
            LogSignalFailed(handle.SessionId, assignment.BeadId, ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "mock: reporting the end of {BeadId} for {SessionId} failed")]
    private partial void LogSignalFailed(string sessionId, string beadId, Exception ex);
}

internal sealed record MockPlaneOptions(TimeSpan DefaultDuration);
