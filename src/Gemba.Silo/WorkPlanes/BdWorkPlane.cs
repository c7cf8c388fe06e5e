using System.Collections.Concurrent;
using Gemba.Beads;
using Gemba.Silo.Processes;
using Gemba.WorkPlanes;
using Microsoft.Extensions.Logging;

namespace Gemba.Silo.WorkPlanes;

/// <summary>
/// Beads through the <c>bd</c> CLI (DESIGN §6, reference §2, §3.4): argument lists only, an explicit
/// <c>BEADS_DIR</c>, a timeout, stderr kept apart from the JSON, and one call at a time per beads
/// directory because the embedded Dolt backend admits a single writer. A call that finds the
/// database held by another bd process is retried with backoff (<see cref="BdLockRetry"/>); changes made
/// by other bd processes are noticed by watching the beads directory (<see cref="BdChangeFeed"/>), which
/// also lets a quiet embedded database skip re-reading what only we have changed (<see cref="BdHeldCache"/>).
/// </summary>
internal sealed partial class BdWorkPlane : IWorkPlane, IDisposable
{
    private static readonly ConcurrentDictionary<string, SemaphoreSlim> Gates = new(StringComparer.Ordinal);

    private readonly string _executable;
    private readonly string _beadsDir;
    private readonly string _actorPrefix;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly TimeSpan _timeout;
    private readonly SemaphoreSlim _gate;
    private readonly BdLockRetry _lockRetry;
    private readonly BdChangeFeed _feed;
    private readonly BdHeldCache _held = new();

    /// <param name="actorPrefix">
    /// Audit identity (<c>BEADS_ACTOR</c>) for calls that carry no <c>--actor</c> of their own
    /// (reads, labels), so bd's history names gemba rather than the server's OS user.
    /// </param>
    /// <param name="lockRetry">How long to wait out a database held by another bd process (default: about 10 s in all).</param>
    /// <param name="changeDebounce">How long the change feed lets a burst of file events settle (default 100 ms).</param>
    public BdWorkPlane(string bdExecutable, string beadsDir, string actorPrefix, TimeProvider time, ILogger logger, TimeSpan? timeout = null,
        BdLockRetry? lockRetry = null, TimeSpan? changeDebounce = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(bdExecutable);
        _executable = bdExecutable;
        _beadsDir = Path.GetFullPath(beadsDir);
        _actorPrefix = actorPrefix;
        _time = time;
        _logger = logger;
        _timeout = timeout ?? TimeSpan.FromSeconds(30);
        _gate = Gates.GetOrAdd(_beadsDir, _ => new SemaphoreSlim(1, 1));
        _lockRetry = lockRetry ?? BdLockRetry.Default;
        _feed = new BdChangeFeed(_beadsDir, logger, changeDebounce);
        Info = new WorkPlaneInfo("bd", "cli", "bd-cli", _beadsDir);
    }

    public WorkPlaneInfo Info { get; }

    /// <summary>Raised (debounced) when a bd process other than ours changed the beads directory.</summary>
    public event Action? Changed
    {
        add => _feed.Changed += value;
        remove => _feed.Changed -= value;
    }

    /// <summary>The change feed, for tests that watch it judge file events.</summary>
    internal BdChangeFeed Feed => _feed;

    public async Task<WorkPlaneSnapshot> SnapshotAsync(CancellationToken cancellationToken = default)
    {
        var problems = new List<WorkPlaneProblem>();
        var ready = await RunAsync(["ready", "--json", "--limit", "0"], cancellationToken, readsReadySet: true).ConfigureAwait(false);
        EnsureSuccess(ready);
        var beads = BdJson.ReadBeads(ready, problems);
        AddStderrProblems(ready, problems);
        var seen = beads.Select(b => b.Id).ToHashSet(StringComparer.Ordinal);

        // While nobody else has written the database, the held beads are what we last listed plus our
        // own writes since: one bd call per cycle instead of two.
        if (_held.TryGet(out var known, out var epoch) && await QuietSinceAsync(epoch, cancellationToken).ConfigureAwait(false))
        {
            beads.AddRange(known.Where(b => seen.Add(b.Id)));
            return new WorkPlaneSnapshot(beads, problems, _time.GetUtcNow());
        }

        // Held beads matter for conflicts and reconciliation, but the ready set alone is still usable.
        IReadOnlyList<string> heldArguments = ["list", "--json", "--limit", "0", "--status", "in_progress,hooked"];
        try
        {
            var foreignEpoch = _feed.ForeignEpoch;
            var ownWrites = _held.OwnWrites;
            var held = await RunAsync(heldArguments, cancellationToken).ConfigureAwait(false);
            EnsureSuccess(held);
            var listed = BdJson.ReadBeads(held, problems);
            if (_feed.SeesDatabase) _held.Reset(listed, foreignEpoch, ownWrites);
            beads.AddRange(listed.Where(b => seen.Add(b.Id)));
            AddStderrProblems(held, problems);
        }
        catch (BdCommandException ex)
        {
            problems.Add(new WorkPlaneProblem(DisplayCommandLine(heldArguments), ex.Message));
        }
        return new WorkPlaneSnapshot(beads, problems, _time.GetUtcNow());
    }

    public async Task<Bead?> GetAsync(string beadId, CancellationToken cancellationToken = default)
    {
        var result = await RunAsync(["show", beadId, "--json"], cancellationToken).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            if (IsNotFound(result.ErrorText)) return null;
            throw new BdCommandException(result.Describe("failed"));
        }
        var beads = BdJson.ReadBeads(result, null);
        return beads.FirstOrDefault(b => b.Id == beadId) ?? (beads.Count == 1 ? beads[0] : null);
    }

    public async Task<ClaimOutcome> ClaimAsync(string beadId, string actor, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(actor);
        var outcome = await TryClaimAsync(beadId, actor, cancellationToken).ConfigureAwait(false);
        // A refused claim means someone else got there, and an errored one may have landed: either
        // way our account of the held beads no longer holds.
        if (outcome.Bead is { } claimed) _held.Claimed(claimed);
        else _held.Invalidate();
        return outcome.Outcome;
    }

    private async Task<(ClaimOutcome Outcome, Bead? Bead)> TryClaimAsync(string beadId, string actor, CancellationToken cancellationToken)
    {
        BdResult result;
        try
        {
            result = await RunAsync(["update", beadId, "--claim", "--actor", actor, "--json"], cancellationToken).ConfigureAwait(false);
        }
        catch (BdCommandException ex)
        {
            return (new ClaimOutcome(ClaimStatus.Error, ex.Message), null);
        }

        var errorText = result.ErrorText;
        if (result.ExitCode != 0)
        {
            if (LineContaining(errorText, "already claimed by") is { } claimed) return (new ClaimOutcome(ClaimStatus.AlreadyClaimed, claimed), null);
            if (LineContaining(errorText, "not claimable") is { } notClaimable) return (new ClaimOutcome(ClaimStatus.NotClaimable, notClaimable), null);
            if (IsNotFound(errorText)) return (new ClaimOutcome(ClaimStatus.NotFound, result.Describe("found no such bead")), null);
            return (new ClaimOutcome(ClaimStatus.Error, result.Describe("failed")), null);
        }

        try
        {
            // Only a returned issue naming us as assignee counts: anything less is never a claim.
            var bead = BdJson.ReadBeads(result, null).FirstOrDefault(b => b.Id == beadId);
            if (bead is null)
                return (new ClaimOutcome(ClaimStatus.Error, result.Describe($"did not return bead {beadId}")), null);
            if (bead.Assignee != actor)
                return (new ClaimOutcome(ClaimStatus.Error, result.Describe($"returned assignee '{bead.Assignee}' instead of '{actor}'")), null);
            LogClaimed(_logger, beadId, actor);
            return (ClaimOutcome.Claimed, bead);
        }
        catch (BdCommandException ex)
        {
            return (new ClaimOutcome(ClaimStatus.Error, ex.Message), null);
        }
    }

    public Task<bool> ReleaseAsync(string beadId, string actor, CancellationToken cancellationToken = default) =>
        // bd has no conditional release: check the holder first (a small window remains between the two calls).
        WriteHeldAsync(beadId, actor, ["update", beadId, "--status", "open", "--assignee", "", "--actor", actor, "--json"], cancellationToken);

    public Task<bool> CloseAsync(string beadId, string actor, string reason, CancellationToken cancellationToken = default) =>
        WriteHeldAsync(beadId, actor, ["close", beadId, "--reason", reason, "--actor", actor, "--json"], cancellationToken);

    public async Task AddLabelAsync(string beadId, string label, CancellationToken cancellationToken = default)
    {
        _held.Invalidate();
        var result = await RunAsync(["label", "add", beadId, label, "--json"], cancellationToken).ConfigureAwait(false);
        EnsureSuccess(result);
    }

    public async Task<IReadOnlyList<Bead>> ListAllAsync(CancellationToken cancellationToken = default)
    {
        var problems = new List<WorkPlaneProblem>();
        // --flat: old bd needs it for JSON; --limit 0: bd's default is 50 rows (20 for agents).
        var result = await RunAsync(["list", "--json", "--flat", "--limit", "0", "--status", "all"], cancellationToken).ConfigureAwait(false);
        EnsureSuccess(result);
        return BdJson.ReadBeads(result, problems);
    }

    public async Task<bool> SetStatusAsync(string beadId, string status, string? reason = null, CancellationToken cancellationToken = default)
    {
        if (status is not (BeadStatus.Open or BeadStatus.InProgress or BeadStatus.Closed))
            throw new ArgumentException($"status '{status}' is not one an operator sets (open, in_progress, closed)", nameof(status));
        // bd has no conditional update: check that nobody holds it first (a small window remains).
        if (await GetAsync(beadId, cancellationToken).ConfigureAwait(false) is not { } bead) throw new KeyNotFoundException($"bead {beadId} not found");
        if (!string.IsNullOrEmpty(bead.Assignee)) return false;
        if (bead.Status == status) return true;
        _held.Invalidate();
        IReadOnlyList<string> arguments = status == BeadStatus.Closed
            ? ["close", beadId, "--reason", reason ?? "closed by an operator", "--json"]
            : bead.IsClosed ? ["reopen", beadId, "--json"] : ["update", beadId, "--status", status, "--json"];
        EnsureSuccess(await RunAsync(arguments, cancellationToken).ConfigureAwait(false));
        if (bead.IsClosed && status == BeadStatus.InProgress)
            EnsureSuccess(await RunAsync(["update", beadId, "--status", status, "--json"], cancellationToken).ConfigureAwait(false));
        return true;
    }

    public async Task RemoveLabelAsync(string beadId, string label, CancellationToken cancellationToken = default)
    {
        _held.Invalidate();
        var result = await RunAsync(["label", "remove", beadId, label, "--json"], cancellationToken).ConfigureAwait(false);
        EnsureSuccess(result);
    }

    /// <summary>A write fenced on the holder; afterwards the bead is no longer held (released or closed).</summary>
    private async Task<bool> WriteHeldAsync(string beadId, string actor, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        if (!await IsHeldByAsync(beadId, actor, cancellationToken).ConfigureAwait(false)) return false;
        try
        {
            var result = await RunAsync(arguments, cancellationToken).ConfigureAwait(false);
            EnsureSuccess(result);
        }
        catch
        {
            _held.Invalidate();
            throw;
        }
        _held.Finished(beadId);
        return true;
    }

    /// <summary>True when <paramref name="beadsDir"/> holds a bd database rather than a bare JSONL export.</summary>
    public static bool LooksLikeBeadsDatabase(string beadsDir) =>
        File.Exists(Path.Combine(beadsDir, "metadata.json"))
        || File.Exists(Path.Combine(beadsDir, "config.yaml"))
        || Directory.Exists(Path.Combine(beadsDir, "embeddeddolt"))
        || Directory.Exists(Path.Combine(beadsDir, "dolt"))
        || Directory.Exists(Path.Combine(beadsDir, "proxieddb"));

    /// <summary>The full path of <paramref name="exe"/>: as given when it names a path, else the first match on PATH.</summary>
    public static string? FindOnPath(string exe) => ProcessRunner.Resolve(exe);

    private async Task<bool> IsHeldByAsync(string beadId, string actor, CancellationToken cancellationToken)
    {
        // Our own account suffices while nobody else has written the database since we took it.
        if (_held.HolderOf(beadId, out var epoch) == actor && await QuietSinceAsync(epoch, cancellationToken).ConfigureAwait(false)) return true;
        var bead = await GetAsync(beadId, cancellationToken).ConfigureAwait(false);
        return bead is not null && bead.Assignee == actor;
    }

    /// <summary>
    /// One bd call, retried while another process holds the database; throws once that outlasts the
    /// retry budget, so a held database is never mistaken for an answer.
    /// </summary>
    /// <param name="readsReadySet">The call reads the ready set: a foreign change made before it needs no poke.</param>
    private async Task<BdResult> RunAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken, bool readsReadySet = false)
    {
        var waited = TimeSpan.Zero;
        var delay = _lockRetry.FirstDelay;
        for (var attempt = 1; ; attempt++)
        {
            var result = await RunOnceAsync(arguments, readsReadySet, cancellationToken).ConfigureAwait(false);
            if (!IsLocked(result)) return result;

            if (waited + delay > _lockRetry.Budget)
            {
                LogLockGaveUp(_logger, result.CommandLine, attempt, waited.TotalSeconds);
                throw new BdCommandException(result.Describe(
                    $"found the beads database locked by another bd process on each of {attempt} attempts (waited {waited.TotalSeconds:0.0#} s); gave up"));
            }
            LogLockRetry(_logger, result.CommandLine, attempt, delay.TotalMilliseconds);
            // The gate is released while waiting: the holder is another process, not one of our calls.
            await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
            waited += delay;
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _lockRetry.MaxDelay.Ticks));
        }
    }

    private async Task<BdResult> RunOnceAsync(IReadOnlyList<string> arguments, bool readsReadySet, CancellationToken cancellationToken)
    {
        var commandLine = DisplayCommandLine(arguments);
        var executable = FindOnPath(_executable) ?? throw new BdCommandException($"bd executable not found: {_executable}");
        var environment = new Dictionary<string, string?>(StringComparer.Ordinal) { ["BEADS_DIR"] = _beadsDir };
        if (_actorPrefix.Length > 0) environment["BEADS_ACTOR"] = _actorPrefix;

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        var mayHaveWritten = true;
        _feed.BeginOwnCall(readsReadySet);
        try
        {
            var started = _time.GetTimestamp();
            var result = await ProcessRunner.RunAsync(executable, arguments, _timeout, environment: environment,
                workingDirectory: Directory.Exists(_beadsDir) ? _beadsDir : Environment.CurrentDirectory,
                time: _time, displayName: "bd", cancellationToken: cancellationToken).ConfigureAwait(false);
            LogCall(_logger, commandLine, result.ExitCode, _time.GetElapsedTime(started).TotalMilliseconds);
            var bdResult = new BdResult(commandLine, result.ExitCode, result.StandardOutput, result.StandardError);
            mayHaveWritten = !IsLocked(bdResult);
            return bdResult;
        }
        catch (ProcessRunException ex) when (ex.TimedOut)
        {
            throw new BdCommandException(ex.Message, ex);
        }
        catch (ProcessRunException ex)
        {
            throw new BdCommandException($"bd executable not found: {_executable} ({ex.InnerException?.Message})", ex);
        }
        finally
        {
            _feed.EndOwnCall(mayHaveWritten);
            _gate.Release();
        }
    }

    /// <summary>Asked under the gate: one of our own calls in flight would look like a foreign write.</summary>
    private async Task<bool> QuietSinceAsync(long foreignEpoch, CancellationToken cancellationToken)
    {
        if (!_feed.SeesDatabase) return false;
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return _feed.QuietSince(foreignEpoch);
        }
        finally
        {
            _gate.Release();
        }
    }

    private static bool IsLocked(BdResult result) => result.ExitCode != 0 && BdLockRetry.IsLockError(result.ErrorText);

    private static void EnsureSuccess(BdResult result)
    {
        if (result.ExitCode != 0) throw new BdCommandException(result.Describe("failed"));
    }

    private static void AddStderrProblems(BdResult result, List<WorkPlaneProblem> problems)
    {
        foreach (var line in result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            problems.Add(new WorkPlaneProblem(result.CommandLine, line));
    }

    private static bool IsNotFound(string errorText) =>
        errorText.Contains("not found", StringComparison.OrdinalIgnoreCase)
        || errorText.Contains("no issues found", StringComparison.OrdinalIgnoreCase);

    private static string? LineContaining(string text, string needle) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .FirstOrDefault(l => l.Contains(needle, StringComparison.OrdinalIgnoreCase));

    public void Dispose() => _feed.Dispose();

    /// <summary>For messages only: the arguments are always passed as a list, never through a shell.</summary>
    internal static string DisplayCommandLine(IReadOnlyList<string> arguments) => ProcessRunner.Display("bd", arguments);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{CommandLine} exited {ExitCode} in {ElapsedMs:0} ms")]
    private static partial void LogCall(ILogger logger, string commandLine, int exitCode, double elapsedMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "{CommandLine}: the beads database is held by another bd process (attempt {Attempt}); retrying in {DelayMs:0} ms")]
    private static partial void LogLockRetry(ILogger logger, string commandLine, int attempt, double delayMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{CommandLine}: the beads database stayed locked through {Attempts} attempts over {Seconds:0.0} s; giving up")]
    private static partial void LogLockGaveUp(ILogger logger, string commandLine, int attempts, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Claimed {BeadId} for {Actor} through bd")]
    private static partial void LogClaimed(ILogger logger, string beadId, string actor);
}
