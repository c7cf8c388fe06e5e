using System.Collections.Concurrent;
using System.IO.Hashing;
using System.Text.Json.Nodes;
using Gemba.Beads;
using Gemba.Grains.Dispatch;
using Gemba.WorkPlanes;
using Microsoft.Extensions.Logging;

namespace Gemba.Silo.WorkPlanes;

/// <summary>
/// A beads-format <c>issues.jsonl</c> owned by gemba (DESIGN §6). Reads are tolerant and cached by
/// file length and modification time; writes are read-modify-write cycles under an in-process gate
/// and an OS lock file, touch only the edited bead's line, and replace the file atomically.
/// </summary>
internal sealed partial class JsonlWorkPlane : IWorkPlane, IDisposable
{
    public const string FileName = "issues.jsonl";

    private static readonly TimeSpan LockTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Debounce = TimeSpan.FromMilliseconds(50);

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

    private volatile CacheEntry? _cache;
    private ulong? _ownHash;
    private ulong? _notifiedHash;
    private bool _disposed;

    public JsonlWorkPlane(string beadsDir, TimeProvider time, ILogger logger)
    {
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

    public Task AddLabelAsync(string beadId, string label, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(label);
        return WriteAsync<bool>(session =>
        {
            var bead = session.Find(beadId) ?? throw new KeyNotFoundException($"bead {beadId} not found in {_path}");
            if (bead.HasLabel(label)) return false;
            var labels = bead.Labels.Append(label).Order(StringComparer.Ordinal).ToArray();
            var now = session.NowText;
            session.Edit(beadId, node =>
            {
                node["labels"] = new JsonArray(labels.Select(l => (JsonNode?)JsonValue.Create(l)).ToArray());
                node["updated_at"] = now;
            });
            return true;
        }, cancellationToken);
    }

    public void Dispose()
    {
        lock (_hashLock) _disposed = true;
        _watcher?.Dispose();
        _debounceTimer.Dispose();
    }

    private JsonlFile Load()
    {
        // Stat before reading: if the file is replaced in between, the cache is keyed by the older
        // stat and the next call re-reads, instead of keeping stale content under a fresh key.
        var info = new FileInfo(_path);
        if (!info.Exists) return JsonlFile.Parse([], FileName);
        var cache = _cache;
        if (cache is not null && cache.Length == info.Length && cache.ModifiedUtc == info.LastWriteTimeUtc) return cache.File;

        var content = ReadContent();
        var file = ParseOrReuse(content, XxHash64.HashToUInt64(content), cache);
        _cache = new CacheEntry(info.Length, info.LastWriteTimeUtc, XxHash64.HashToUInt64(content), file);
        return file;
    }

    /// <summary>A touched but unchanged file (same bytes) keeps its parse.</summary>
    private JsonlFile ParseOrReuse(byte[] content, ulong hash, CacheEntry? cache)
    {
        if (cache is not null && cache.Hash == hash && cache.File.Content.Length == content.Length) return cache.File;
        var file = JsonlFile.Parse(content, FileName);
        if (file.Problems.Count > 0) LogProblems(_logger, _path, file.Problems.Count);
        return file;
    }

    private byte[] ReadContent()
    {
        try
        {
            using var stream = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            var buffer = new byte[stream.Length];
            stream.ReadExactly(buffer);
            return buffer;
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

        var results = new object?[batch.Count];
        var errors = new Exception?[batch.Count];
        var externalChange = false;
        try
        {
            // Not cancellable: once edits are dequeued their callers wait for this cycle to finish.
            using (await ExclusiveFileLock.AcquireAsync(_lockPath, LockTimeout, CancellationToken.None).ConfigureAwait(false))
            {
                var content = ReadContent();
                var hash = XxHash64.HashToUInt64(content);
                var file = ParseOrReuse(content, hash, _cache);
                lock (_hashLock) externalChange = _ownHash is { } own && own != hash;

                var session = new JsonlEditSession(file, _time.GetUtcNow());
                for (var i = 0; i < batch.Count; i++)
                {
                    try
                    {
                        results[i] = batch[i].Apply(session);
                    }
                    catch (Exception ex) when (ex is KeyNotFoundException or InvalidOperationException or ArgumentException)
                    {
                        errors[i] = ex;
                    }
                }
                if (session.HasChanges)
                {
                    var rendered = file.Render(session.Replacements());
                    WriteAtomically(rendered, file.WithEditedLines(rendered, session.EditedBeads));
                }
            }
        }
        catch (Exception ex)
        {
            LogWriteFailed(_logger, ex, _path);
            foreach (var pending in batch) pending.Done.TrySetException(ex);
            return;
        }

        for (var i = 0; i < batch.Count; i++)
        {
            if (errors[i] is { } error) batch[i].Done.TrySetException(error);
            else batch[i].Done.TrySetResult(results[i]);
        }
        if (externalChange)
        {
            // Someone else edited the file since our last write; our write folded it in, so the
            // watcher will not see a foreign hash any more. Tell listeners directly.
            LogExternalChange(_logger, _path);
            Changed?.Invoke();
        }
    }

    private void WriteAtomically(byte[] bytes, JsonlFile parsed)
    {
        var temp = Path.Combine(_directory, $".{FileName}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 64 * 1024))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }
            // A rename keeps the temp file's length and mtime, so this stat is exactly what readers see.
            var info = new FileInfo(temp);
            var length = info.Length;
            var modified = info.LastWriteTimeUtc;
            var hash = XxHash64.HashToUInt64(bytes);
            lock (_hashLock)
            {
                _ownHash = hash;
                _notifiedHash = null;
            }
            File.Move(temp, _path, overwrite: true);
            _cache = new CacheEntry(length, modified, hash, parsed);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
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

    private sealed record CacheEntry(long Length, DateTime ModifiedUtc, ulong Hash, JsonlFile File);

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

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Path}: {Count} line(s) could not be read and were skipped")]
    private static partial void LogProblems(ILogger logger, string path, int count);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Path} changed outside gemba")]
    private static partial void LogExternalChange(ILogger logger, string path);

    [LoggerMessage(Level = LogLevel.Error, Message = "Writing {Path} failed; no edit of this batch was applied")]
    private static partial void LogWriteFailed(ILogger logger, Exception exception, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not read {Path} after a change notification")]
    private static partial void LogWatchFailed(ILogger logger, Exception exception, string path);
}
