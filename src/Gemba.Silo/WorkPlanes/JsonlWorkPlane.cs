using System.Collections.Concurrent;
using System.IO.Hashing;
using System.Text;
using System.Text.Json.Nodes;
using Gemba.Beads;
using Gemba.Silo.Storage;
using Gemba.Grains.Dispatch;
using Gemba.WorkPlanes;
using Microsoft.Extensions.Logging;

namespace Gemba.Silo.WorkPlanes;

/// <summary>
/// A beads-format <c>issues.jsonl</c> owned by gemba (DESIGN §6, docs/bead-file.md). Reads are
/// tolerant (an unusable line is a reported problem, kept byte for byte) and cached by file length
/// and modification time; writes are read-modify-write cycles under an in-process gate and an OS
/// lock file, touch only the edited bead's line, and replace the file atomically without losing
/// what a program that ignores the lock wrote meanwhile.
/// </summary>
internal sealed partial class JsonlWorkPlane : IWorkPlane, IWorkPlaneDiagnostics, IDisposable
{
    public const string FileName = "issues.jsonl";

    private static readonly TimeSpan LockTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Debounce = TimeSpan.FromMilliseconds(50);

    /// <summary>How long a file we displaced is watched for appends still in flight.</summary>
    private static readonly TimeSpan TailWindow = TimeSpan.FromSeconds(1);

    /// <summary>How long our edits are defended against stale copies saved over them.</summary>
    private static readonly TimeSpan OwnEditWindow = TimeSpan.FromMinutes(10);

    private const int MaxAttempts = 64;

    private readonly string _path;
    private readonly string _lockPath;
    private readonly string _directory;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly ConcurrentQueue<PendingWrite> _queue = new();
    private readonly FileSystemWatcher? _watcher;
    private readonly Timer _debounceTimer;
    private readonly Lock _hashLock = new();
    private readonly Lock _problemLock = new();
    private readonly Lock _tailLock = new();
    private readonly List<Displaced> _tails = [];
    private readonly List<Task> _tailCarries = [];
    private readonly JsonlOwnEdits _own = new(OwnEditWindow);
    private readonly bool _useExchange;
    private HashSet<WorkPlaneProblem> _reported = [];
    private int _healPending;

    private volatile CacheEntry? _cache;
    private ulong? _ownHash;
    private ulong? _notifiedHash;
    private bool _disposed;

    /// <param name="useExchange">Whether to swap files with RENAME_EXCHANGE where the system has it (tests turn it off to cover the fallback).</param>
    public JsonlWorkPlane(string beadsDir, TimeProvider time, ILogger logger, bool useExchange = true)
    {
        _useExchange = useExchange;
        _directory = Path.GetFullPath(beadsDir);
        _path = Path.Combine(_directory, FileName);
        _lockPath = _path + ".lock";
        _time = time;
        _logger = logger;
        Info = new WorkPlaneInfo("jsonl", "1", "jsonl-file", _path);

        // Debouncing is about real file-system bursts, so it runs on wall-clock time even when the
        // injected TimeProvider is a fake one.
        _debounceTimer = new Timer(_ => OnDebounced(), null, Timeout.Infinite, Timeout.Infinite);
        if (Directory.Exists(_directory))
        {
            _watcher = new FileSystemWatcher(_directory, FileName)
            {
                NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.FileName | NotifyFilters.CreationTime,
                IncludeSubdirectories = false,
            };
            _watcher.Changed += OnFileEvent;
            _watcher.Created += OnFileEvent;
            _watcher.Renamed += OnFileEvent;
            _watcher.Deleted += OnFileEvent;
            _watcher.EnableRaisingEvents = true;
        }
    }

    public WorkPlaneInfo Info { get; }

    public event Action? Changed;

    /// <summary>Test hook: completes once every displaced file's tail scheduled so far has been carried.</summary>
    internal Task TailsCarried()
    {
        lock (_tailLock) return Task.WhenAll([.. _tailCarries]);
    }

    /// <summary>Test hook: raised after each debounced look at the file, with whether <see cref="Changed"/> fired.</summary>
    internal event Action<bool>? WatcherChecked;

    public Task<WorkPlaneSnapshot> SnapshotAsync(CancellationToken cancellationToken = default)
    {
        var file = Load();
        return Task.FromResult(new WorkPlaneSnapshot(file.Beads, file.Problems, _time.GetUtcNow()));
    }

    public Task<Bead?> GetAsync(string beadId, CancellationToken cancellationToken = default)
    {
        var file = Load();
        return Task.FromResult(file.LineById.TryGetValue(beadId, out var index) ? file.Lines[index].Bead : null);
    }

    public Task<IReadOnlyList<Bead>> ListAllAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<Bead>>(Load().Beads);

    public Task<bool> SetStatusAsync(string beadId, string status, string? reason = null, CancellationToken cancellationToken = default)
    {
        if (status is not (BeadStatus.Open or BeadStatus.InProgress or BeadStatus.Closed))
            throw new ArgumentException($"status '{status}' is not one an operator sets (open, in_progress, closed)", nameof(status));
        return WriteAsync(session =>
        {
            var bead = session.Find(beadId) ?? throw new KeyNotFoundException($"bead {beadId} not found in {_path}");
            if (!string.IsNullOrEmpty(bead.Assignee)) return false;
            if (bead.Status == status) return true;
            var now = session.NowText;
            session.Edit(beadId, node =>
            {
                node["status"] = status;
                node["updated_at"] = now;
                if (status == BeadStatus.Closed)
                {
                    node["closed_at"] = now;
                    if (reason is not null) node["close_reason"] = reason;
                }
                else
                {
                    node.AsObject().Remove("closed_at");
                    node.AsObject().Remove("close_reason");
                }
            });
            return true;
        }, cancellationToken);
    }

    public Task<ClaimOutcome> ClaimAsync(string beadId, string actor, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(actor);
        return WriteAsync(session =>
        {
            var bead = session.Find(beadId);
            if (bead is null) return new ClaimOutcome(ClaimStatus.NotFound, $"bead {beadId} not found in {_path}");
            if (bead.Assignee == actor && bead.Status == BeadStatus.InProgress) return ClaimOutcome.Claimed;
            if (!string.IsNullOrEmpty(bead.Assignee) && bead.Assignee != actor)
                return new ClaimOutcome(ClaimStatus.AlreadyClaimed, $"already claimed by {bead.Assignee}");

            // An open bead already assigned to this actor is claimable like an unassigned one (bd --claim semantics).
            var candidate = bead.Assignee == actor ? bead with { Assignee = null } : bead;
            var why = ReadySet.WhyNotReady(candidate, session.Find, session.Now);
            if (why is not null) return new ClaimOutcome(ClaimStatus.NotClaimable, why);

            var now = session.NowText;
            session.Edit(beadId, node =>
            {
                node["status"] = BeadStatus.InProgress;
                node["assignee"] = actor;
                if (node["started_at"] is null) node["started_at"] = now;
                node["updated_at"] = now;
            });
            return ClaimOutcome.Claimed;
        }, cancellationToken);
    }

    public Task<bool> ReleaseAsync(string beadId, string actor, CancellationToken cancellationToken = default) =>
        WriteAsync(session =>
        {
            var bead = session.Find(beadId);
            if (bead is null || bead.Assignee != actor || bead.IsClosed) return false;
            var now = session.NowText;
            // started_at stays: it records the first start, and a reopened bead dispatches again regardless.
            session.Edit(beadId, node =>
            {
                node["status"] = BeadStatus.Open;
                node.Remove("assignee");
                node["updated_at"] = now;
            });
            return true;
        }, cancellationToken);

    public Task<bool> CloseAsync(string beadId, string actor, string reason, CancellationToken cancellationToken = default) =>
        WriteAsync(session =>
        {
            var bead = session.Find(beadId);
            if (bead is null || bead.Assignee != actor) return false;
            if (bead.IsClosed) return true;
            var now = session.NowText;
            session.Edit(beadId, node =>
            {
                node["status"] = BeadStatus.Closed;
                node["closed_at"] = now;
                node["close_reason"] = reason;
                node["updated_at"] = now;
            });
            return true;
        }, cancellationToken);

    public Task AddLabelAsync(string beadId, string label, CancellationToken cancellationToken = default) =>
        EditLabelsAsync(beadId, label, labels => labels.Contains(label) ? null : labels.Append(label), cancellationToken);

    public Task RemoveLabelAsync(string beadId, string label, CancellationToken cancellationToken = default) =>
        EditLabelsAsync(beadId, label, labels => labels.Contains(label) ? labels.Where(l => l != label) : null, cancellationToken);

    /// <param name="change">The new labels, or null when the bead already has what was asked (nothing is written).</param>
    private Task EditLabelsAsync(string beadId, string label, Func<IReadOnlyList<string>, IEnumerable<string>?> change, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(label);
        return WriteAsync<bool>(session =>
        {
            var bead = session.Find(beadId) ?? throw new KeyNotFoundException($"bead {beadId} not found in {_path}");
            if (change(bead.Labels) is not { } changed) return false;
            var labels = changed.Order(StringComparer.Ordinal).ToArray();
            var now = session.NowText;
            session.Edit(beadId, node =>
            {
                node["labels"] = new JsonArray(labels.Select(l => (JsonNode?)JsonValue.Create(l)).ToArray());
                node["updated_at"] = now;
            });
            return true;
        }, cancellationToken);
    }

    public IReadOnlyList<WorkPlaneProblem> CurrentProblems => Load().Problems;

    public void Dispose()
    {
        lock (_hashLock) _disposed = true;
        _watcher?.Dispose();
        _debounceTimer.Dispose();
        List<Displaced> tails;
        lock (_tailLock)
        {
            tails = [.. _tails];
            _tails.Clear();
        }
        CarryTails(tails);
        // A carry already under way (its window passed) must land before the file is handed back
        // to others: a reader right after Dispose would otherwise miss an appended line.
        Task[] inflight;
        lock (_tailLock) inflight = [.. _tailCarries];
        try
        {
            Task.WaitAll(inflight, TimeSpan.FromSeconds(10));
        }
        catch (AggregateException ex)
        {
            LogWriteFailed(_logger, ex, _path);
        }
    }

    private JsonlFile Load()
    {
        // Stat before reading: if the file is replaced in between, the cache is keyed by the older
        // stat and the next call re-reads, instead of keeping stale content under a fresh key.
        var info = new FileInfo(_path);
        if (!info.Exists) return Reported(JsonlFile.Parse([], FileName));
        var cache = _cache;
        if (cache is not null && cache.Length == info.Length && cache.ModifiedUtc == info.LastWriteTimeUtc) return cache.View;

        var content = ReadContent();
        var hash = XxHash64.HashToUInt64(content);
        var file = ParseOrReuse(content, hash, cache);
        var view = file;
        if (!_own.IsEmpty)
        {
            // A stale copy saved over our edits: show our versions at once, write them back soon.
            var session = new JsonlEditSession(file, _time.GetUtcNow());
            if (_own.Rebase(session) > 0)
            {
                view = session.Rendered(session.Render());
                ScheduleHeal();
            }
        }
        _cache = new CacheEntry(info.Length, info.LastWriteTimeUtc, hash, file, view);
        return view;
    }

    /// <summary>A touched but unchanged file (same bytes) keeps its parse.</summary>
    private JsonlFile ParseOrReuse(byte[] content, ulong hash, CacheEntry? cache)
    {
        if (cache is not null && cache.Hash == hash && cache.File.Content.Length == content.Length) return cache.File;
        return Reported(JsonlFile.Parse(content, FileName));
    }

    /// <summary>Logs each problem once, when it first appears; a file that keeps its problems stays quiet.</summary>
    private JsonlFile Reported(JsonlFile file)
    {
        List<WorkPlaneProblem> fresh;
        lock (_problemLock)
        {
            var current = file.Problems.ToHashSet();
            if (current.SetEquals(_reported)) return file;
            fresh = file.Problems.Where(p => !_reported.Contains(p)).ToList();
            var gone = _reported.Count(p => !current.Contains(p));
            _reported = current;
            if (gone > 0) LogProblemsGone(_logger, _path, gone, current.Count);
        }
        foreach (var problem in fresh) LogProblem(_logger, problem.Where, problem.Message);
        return file;
    }

    private byte[] ReadContent() => ReadContent(_path, 0);

    private static byte[] ReadContent(string path, long from)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            if (stream.Length <= from) return [];
            stream.Position = from;
            // read to the end rather than to a length taken up front: an appender may still be writing
            using var buffer = new MemoryStream((int)(stream.Length - from));
            stream.CopyTo(buffer);
            return buffer.ToArray();
        }
        catch (FileNotFoundException)
        {
            return [];
        }
        catch (DirectoryNotFoundException)
        {
            return [];
        }
    }

    private async Task<T> WriteAsync<T>(Func<JsonlEditSession, T> apply, CancellationToken cancellationToken)
    {
        var pending = new PendingWrite(session => apply(session));
        _queue.Enqueue(pending);
        // The drain runs on the thread pool, never inline: a caller issuing many edits at once (a
        // dispatch cycle's claims, many sessions closing beads) enqueues them all before the first
        // drain starts, so they share one read-modify-write of the file instead of one each.
        await Task.Run(() => DrainWhenFreeAsync(pending, cancellationToken), CancellationToken.None).ConfigureAwait(false);
        return (T)(await pending.Done.Task.ConfigureAwait(false))!;
    }

    private async Task DrainWhenFreeAsync(PendingWrite pending, CancellationToken cancellationToken)
    {
        try
        {
            await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Withdraw the edit unless a concurrent drain already took it; then its outcome stands.
            if (pending.TryWithdraw()) throw;
            return;
        }
        try
        {
            // Another caller's drain may have applied this edit while we waited for the gate.
            if (!pending.Done.Task.IsCompleted) await DrainAsync().ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Applies every queued edit in one read-modify-write cycle. Runs under <see cref="_gate"/>.</summary>
    private async Task DrainAsync()
    {
        var batch = new List<PendingWrite>();
        while (_queue.TryDequeue(out var next))
        {
            if (next.TryTake()) batch.Add(next);
        }
        if (batch.Count == 0) return;

        var outcome = new BatchOutcome(batch.Count);
        var externalChange = false;
        var displaced = new List<Displaced>();
        try
        {
            // Not cancellable: once edits are dequeued their callers wait for this cycle to finish.
            using (await ExclusiveFileLock.AcquireAsync(_lockPath, LockTimeout, CancellationToken.None).ConfigureAwait(false))
            {
                externalChange = Commit(batch, outcome, displaced);
            }
        }
        catch (Exception ex)
        {
            LogWriteFailed(_logger, ex, _path);
            foreach (var pending in batch) pending.Done.TrySetException(ex);
            return;
        }
        finally
        {
            WatchTails(displaced);
        }

        for (var i = 0; i < batch.Count; i++)
        {
            if (outcome.Errors[i] is { } error) batch[i].Done.TrySetException(error);
            else batch[i].Done.TrySetResult(outcome.Results[i]);
        }
        if (externalChange)
        {
            // Someone else edited the file since our last write; our write folded it in, so the
            // watcher will not see a foreign hash any more. Tell listeners directly.
            LogExternalChange(_logger, _path);
            Changed?.Invoke();
        }
    }

    /// <summary>
    /// Reads the file, applies the batch and puts the result in place without losing what another
    /// program wrote meanwhile (docs/bead-file.md): with RENAME_EXCHANGE the file we replaced comes
    /// back to us, and if it is not what we built on, we build again on it; without the exchange we
    /// look just before a plain rename. Returns whether the file had changed outside gemba.
    /// </summary>
    private bool Commit(List<PendingWrite> batch, BatchOutcome outcome, List<Displaced> displaced)
    {
        var expected = ReadContent();
        var hash = XxHash64.HashToUInt64(expected);
        bool external;
        lock (_hashLock) external = _ownHash is { } own && own != hash;

        var session = Apply(batch, ParseOrReuse(expected, hash, _cache), outcome);
        if (!session.HasChanges) return external;
        var output = session.Render();
        var parsed = session.Rendered(output);
        var expectedIsOurs = false;
        JsonlFile? transient = null;

        for (var attempt = 1; ; attempt++)
        {
            if (attempt > MaxAttempts)
            {
                // Never drop what the other program wrote: keep its last version beside the file.
                var kept = "";
                if (displaced.Count > 0)
                {
                    kept = $"{_path}.conflict-{_time.GetUtcNow():yyyyMMdd'T'HHmmss'Z'}-{Guid.NewGuid():N}";
                    File.Move(displaced[^1].Path, kept);
                    displaced.RemoveAt(displaced.Count - 1);
                    kept = $"; the version it replaced last is kept as {kept}";
                }
                throw new IOException($"{_path} kept changing while gemba wrote it ({MaxAttempts} attempts){kept}");
            }
            var temp = Path.Combine(_directory, $".{FileName}.{Guid.NewGuid():N}.tmp");
            var (length, modified) = WriteTemp(temp, output);
            lock (_hashLock)
            {
                _ownHash = XxHash64.HashToUInt64(output);
                _notifiedHash = null;
            }

            if (!_useExchange || !FileSwap.TryExchange(temp, _path))
            {
                // No exchange here: look at the file just before renaming over it.
                var live = ReadContent();
                while (live.Length > expected.Length && live.AsSpan().StartsWith(expected))
                {
                    // Only appended to: add the new bytes to ours and look again (cheaper than a rebuild,
                    // so a busy appender cannot keep us from ever renaming).
                    using (var stream = new FileStream(temp, FileMode.Append, FileAccess.Write, FileShare.None))
                        stream.Write(live.AsSpan(expected.Length));
                    output = [.. output, .. live.AsSpan(expected.Length)];
                    parsed = JsonlFile.Parse(output, FileName);
                    (length, modified) = (new FileInfo(temp).Length, new FileInfo(temp).LastWriteTimeUtc);
                    lock (_hashLock) _ownHash = XxHash64.HashToUInt64(output);
                    expected = live;
                    live = ReadContent();
                }
                if (!live.AsSpan().SequenceEqual(expected))
                {
                    File.Delete(temp);
                    external = true;
                    expected = live;
                    session = Apply(batch, JsonlFile.Parse(live, FileName), outcome);
                    if (!session.HasChanges) return external; // re-decided on the fresh file: nothing left to write
                    output = session.Render();
                    parsed = session.Rendered(output);
                    continue;
                }
                File.Move(temp, _path, overwrite: true);
                Remember(session);
                _cache = new CacheEntry(length, modified, XxHash64.HashToUInt64(output), parsed, parsed);
                return external;
            }

            // Our file is in place; what it replaced is now at `temp`.
            Remember(session);
            if (transient is not null) RememberReplaced(transient, parsed, session.Now);
            _cache = new CacheEntry(length, modified, XxHash64.HashToUInt64(output), parsed, parsed);
            var replaced = ReadContent(temp, 0);
            displaced.Add(new Displaced(temp, replaced.Length));
            if (replaced.AsSpan().SequenceEqual(expected)) return external;

            external = true;
            if (replaced.AsSpan().StartsWith(expected))
            {
                // Bytes were appended to the file we replaced (a `>>` writer): add them to ours, as that
                // writer meant to. Only whole lines now: an append that straddles a page boundary can be
                // seen half done, and half a line carried alone can be lost to an editor's save (it is no
                // bead we could defend). The rest is carried with the displaced file's tail a moment later.
                var extra = replaced.AsSpan(expected.Length);
                var whole = extra.LastIndexOf((byte)'\n') + 1;
                if (whole > 0) AppendToLive(extra[..whole].ToArray());
                displaced[^1] = displaced[^1] with { Length = expected.Length + whole };
                return external;
            }
            var previous = output;
            transient = parsed;
            if (!expectedIsOurs)
            {
                // Rewritten between our read and our swap (an editor's save): the batch is a pure
                // function of the file, so it runs again on what is really there.
                session = Apply(batch, JsonlFile.Parse(replaced, FileName), outcome);
            }
            else
            {
                // Our version was rewritten: theirs stands, with our recent edits put back where it reverted them.
                session = new JsonlEditSession(JsonlFile.Parse(replaced, FileName), session.Now);
                _own.Rebase(session);
            }
            output = session.Render();
            parsed = session.Rendered(output);
            expected = previous;
            expectedIsOurs = true;
            LogMergedOutsideWrite(_logger, _path, attempt);
        }
    }

    /// <summary>
    /// Appends carried-over bytes to whatever file is in place, then checks they are there: a
    /// rename by another program between our open and our write would have taken them away.
    /// </summary>
    private void AppendToLive(byte[] bytes)
    {
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            bytes = WithoutLinesAlreadyThere(bytes, ReadContent());
            if (bytes.Length == 0) return;
            LogCarriedAppend(_logger, _path, bytes.Length);
            // Byte for byte, no newline added: the bytes may finish a line whose start we already had
            // (a read can see an append half done), exactly as the writer's own append would have.
            using (var stream = new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete))
                stream.Write(bytes);
            var live = ReadContent();
            var at = live.AsSpan().LastIndexOf(bytes);
            if (at >= 0)
            {
                // An editor that read our file just before this append may still save without these lines.
                // The carried bytes may finish a line whose start was already there (an append seen half
                // done): the lines to defend are the whole lines the carried bytes are part of.
                var start = at == 0 ? 0 : live.AsSpan(0, at).LastIndexOf((byte)'\n') + 1;
                var carried = JsonlFile.Parse(live[start..(at + bytes.Length)], FileName);
                var now = _time.GetUtcNow();
                foreach (var (id, index) in carried.LineById) _own.RecordCarried(id, carried.LineText(index), now);
                return;
            }
        }
        throw new IOException($"could not carry {bytes.Length} appended byte(s) into {_path}: it kept being replaced");
    }


    /// <summary>A fresh session on <paramref name="file"/>: our reverted edits put back, then the batch.</summary>
    private JsonlEditSession Apply(List<PendingWrite> batch, JsonlFile file, BatchOutcome outcome)
    {
        var session = new JsonlEditSession(file, _time.GetUtcNow());
        _own.Rebase(session);
        if (session.Appended.Count > 0)
        {
            // Lines put back at the end are beads like any other: the batch must find (and claim) them,
            // so it works on the file as the rebase leaves it.
            session = new JsonlEditSession(JsonlFile.Parse(session.Render(), FileName), session.Now, mustWrite: true);
        }
        // Only when writing anyway: a copy is harmless, and the file is not rewritten just for it.
        if (batch.Count > 0 && file.Problems.Count > 0) session.RemoveRedundantCopies();
        for (var i = 0; i < batch.Count; i++)
        {
            outcome.Results[i] = null;
            outcome.Errors[i] = null;
            try
            {
                outcome.Results[i] = batch[i].Apply(session);
            }
            catch (Exception ex) when (ex is KeyNotFoundException or InvalidOperationException or ArgumentException)
            {
                outcome.Errors[i] = ex;
            }
        }
        return session;
    }

    /// <summary>Records the session's line edits once its output is in place.</summary>
    private void Remember(JsonlEditSession session)
    {
        foreach (var (index, text) in session.Replacements())
        {
            if (session.File.Lines[index].Bead is { } bead) _own.Record(bead.Id, session.File.LineText(index), text, session.Now);
        }
    }

    /// <summary>
    /// Drops carried lines the file already has, or that are versions of ours already in it: the
    /// same bytes can reach us twice (in a displaced file and through a merge of another), and a
    /// copy appended after a later version of the same bead would win and revert it.
    /// </summary>
    private byte[] WithoutLinesAlreadyThere(byte[] bytes, byte[] live)
    {
        var carried = JsonlFile.Parse(bytes, FileName);
        var present = new HashSet<string>(Encoding.UTF8.GetString(live).Split('\n'), StringComparer.Ordinal);
        var drop = new HashSet<int>();
        for (var i = 0; i < carried.Lines.Count; i++)
        {
            if (!carried.Lines[i].HasNewline || carried.Lines[i].Length == 0) continue; // a line still being written, or blank
            var text = carried.LineText(i);
            if (present.Contains(text) || (carried.Lines[i].Bead is { } bead && _own.IsKnownVersion(bead.Id, text))) drop.Add(i);
        }
        if (drop.Count == 0) return bytes;
        using var output = new MemoryStream(bytes.Length);
        for (var i = 0; i < carried.Lines.Count; i++)
        {
            if (drop.Contains(i)) continue;
            output.Write(carried.RawLine(i));
            if (carried.Lines[i].HasNewline) output.WriteByte((byte)'\n');
        }
        return output.ToArray();
    }

    /// <summary>
    /// Our earlier version lacked what another program wrote meanwhile and was in place for a
    /// moment: a copy of it saved later must not take those lines away, so each bead line that
    /// differs from it is remembered as ours.
    /// </summary>
    private void RememberReplaced(JsonlFile transient, JsonlFile current, DateTimeOffset now)
    {
        foreach (var (id, index) in current.LineById)
        {
            var text = current.LineText(index);
            if (!transient.LineById.TryGetValue(id, out var before)) _own.RecordCarried(id, text, now);
            else if (transient.LineText(before) is var old && old != text) _own.Record(id, old, text, now);
        }
    }

    private static (long Length, DateTime Modified) WriteTemp(string temp, byte[] bytes)
    {
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 64 * 1024))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }
            // A rename keeps the file's length and mtime, so this stat is exactly what readers see.
            var info = new FileInfo(temp);
            return (info.Length, info.LastWriteTimeUtc);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    /// <summary>
    /// A <c>&gt;&gt;</c> writer that opened the file just before our swap still writes to the old
    /// file. Look at each file we displaced once more a moment later and carry over what grew.
    /// </summary>
    private void WatchTails(List<Displaced> displaced)
    {
        if (displaced.Count == 0) return;
        lock (_tailLock) _tails.AddRange(displaced);
        var carry = Task.Delay(TailWindow).ContinueWith(_ =>
        {
            var mine = new List<Displaced>();
            lock (_tailLock)
            {
                foreach (var d in displaced)
                    if (_tails.Remove(d)) mine.Add(d);
            }
            return CarryTailsAsync(mine);
        }, TaskScheduler.Default).Unwrap();
        lock (_tailLock)
        {
            _tailCarries.RemoveAll(t => t.IsCompleted);
            _tailCarries.Add(carry);
        }
    }

    private async Task CarryTailsAsync(List<Displaced> tails)
    {
        if (tails.Count == 0) return;
        // Under the gate, so a carry never interleaves with a drain's read and swap.
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            CarryTails(tails);
        }
        finally
        {
            _gate.Release();
        }
    }

    private void CarryTails(List<Displaced> tails)
    {
        foreach (var tail in tails)
        {
            try
            {
                var extra = ReadContent(tail.Path, tail.Length);
                File.Delete(tail.Path);
                if (extra.Length > 0) AppendToLive(extra);
            }
            catch (IOException ex)
            {
                LogWriteFailed(_logger, ex, _path);
            }
        }
    }

    /// <summary>Writes our versions back over a stale copy; one heal at a time is enough.</summary>
    private void ScheduleHeal()
    {
        if (Interlocked.Exchange(ref _healPending, 1) == 1) return;
        WriteAsync(_ =>
        {
            Volatile.Write(ref _healPending, 0);
            return false;
        }, CancellationToken.None).ContinueWith(
            t => LogWriteFailed(_logger, t.Exception!, _path), CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
    }

    private void OnFileEvent(object sender, FileSystemEventArgs e)
    {
        lock (_hashLock)
        {
            if (_disposed) return;
            _debounceTimer.Change(Debounce, Timeout.InfiniteTimeSpan);
        }
    }

    private void OnDebounced()
    {
        try
        {
            var hash = XxHash64.HashToUInt64(ReadContent());
            bool foreign;
            lock (_hashLock)
            {
                if (_disposed) return;
                foreign = hash != _ownHash && hash != _notifiedHash;
                if (foreign) _notifiedHash = hash;
            }
            if (foreign)
            {
                LogExternalChange(_logger, _path);
                // Loading logs new problems once, and finds edits of ours that a stale copy reverted.
                Load();
                Changed?.Invoke();
            }
            WatcherChecked?.Invoke(foreign);
        }
        catch (IOException ex)
        {
            LogWatchFailed(_logger, ex, _path);
        }
        catch (UnauthorizedAccessException ex)
        {
            LogWatchFailed(_logger, ex, _path);
        }
    }

    /// <param name="File">The parse of the bytes on disk.</param>
    /// <param name="View">What readers get: <paramref name="File"/> with our reverted edits put back.</param>
    private sealed record CacheEntry(long Length, DateTime ModifiedUtc, ulong Hash, JsonlFile File, JsonlFile View);

    /// <summary>A file our swap displaced, and how much of it we had already taken in.</summary>
    private sealed record Displaced(string Path, long Length);

    private sealed class BatchOutcome(int count)
    {
        public object?[] Results { get; } = new object?[count];
        public Exception?[] Errors { get; } = new Exception?[count];
    }

    private sealed class PendingWrite(Func<JsonlEditSession, object?> apply)
    {
        private const int Queued = 0, Taken = 1, Withdrawn = 2;
        private int _state = Queued;

        public Func<JsonlEditSession, object?> Apply { get; } = apply;
        public TaskCompletionSource<object?> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>A drain claims the edit; fails if its caller gave up first.</summary>
        public bool TryTake() => Interlocked.CompareExchange(ref _state, Taken, Queued) == Queued;

        /// <summary>The caller gives up; fails if a drain already took the edit (it will complete).</summary>
        public bool TryWithdraw()
        {
            if (Interlocked.CompareExchange(ref _state, Withdrawn, Queued) != Queued) return false;
            Done.TrySetCanceled();
            return true;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Where}: {Message} (line skipped and kept as it is)")]
    private static partial void LogProblem(ILogger logger, string where, string message);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Path}: {Gone} problem(s) resolved, {Left} left")]
    private static partial void LogProblemsGone(ILogger logger, string path, int gone, int left);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Path} was changed by another program while gemba wrote it; merged (attempt {Attempt})")]
    private static partial void LogMergedOutsideWrite(ILogger logger, string path, int attempt);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Path}: carried {Bytes} byte(s) appended to the replaced file into the current one")]
    private static partial void LogCarriedAppend(ILogger logger, string path, int bytes);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Path} changed outside gemba")]
    private static partial void LogExternalChange(ILogger logger, string path);

    [LoggerMessage(Level = LogLevel.Error, Message = "Writing {Path} failed; no edit of this batch was applied")]
    private static partial void LogWriteFailed(ILogger logger, Exception exception, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not read {Path} after a change notification")]
    private static partial void LogWatchFailed(ILogger logger, Exception exception, string path);
}
