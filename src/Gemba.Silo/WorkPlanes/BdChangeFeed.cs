using System.IO.Hashing;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Gemba.Silo.WorkPlanes;

/// <summary>
/// bd has no change feed of its own (its daemon is gone, reference §3.1), so the beads directory is
/// watched instead. A write by any bd process changes files there: the Dolt store under
/// <c>embeddeddolt/</c> (or <c>dolt/</c>, <c>proxieddb/</c>), and <c>last-touched</c>,
/// <c>interactions.jsonl</c>, <c>issues.jsonl</c> at the top. Gemba's own calls must not poke the
/// dispatcher into another cycle, so file events are judged by a fingerprint of those files: the
/// fingerprint is re-taken after each of our own calls, and only a difference found outside our calls
/// raises <see cref="Changed"/>.
/// </summary>
/// <remarks>
/// A foreign write that completes while one of our own calls is running is absorbed into that call's
/// fingerprint and waits for the backstop tick. With the embedded backend that cannot happen (its lock
/// admits one bd process at a time); with a Dolt server whose data lives outside the beads directory the
/// feed sees only the top-level files, and the tick remains the guarantee.
/// </remarks>
internal sealed partial class BdChangeFeed : IDisposable
{
    private static readonly string[] DatabaseDirectories = ["embeddeddolt", "dolt", "proxieddb"];

    private static readonly EnumerationOptions Recursive = new()
    {
        RecurseSubdirectories = true,
        IgnoreInaccessible = true,
        // Dolt keeps its store under a dot-directory (.dolt), which counts as hidden on Unix.
        AttributesToSkip = FileAttributes.None,
    };

    private static readonly EnumerationOptions TopLevel = new() { IgnoreInaccessible = true, AttributesToSkip = FileAttributes.None };

    private readonly string _directory;
    private readonly TimeSpan _debounce;
    private readonly ILogger _logger;
    private readonly FileSystemWatcher? _watcher;
    private readonly Timer _timer;
    private readonly Lock _sync = new();

    private ulong _known;
    private long _foreignEpoch;
    private int _ownCalls;
    private bool _eventsDuringOwnCall;
    private bool _foreignBeforeOwnCall;
    private bool _disposed;

    public BdChangeFeed(string beadsDir, ILogger logger, TimeSpan? debounce = null)
    {
        _directory = beadsDir;
        _logger = logger;
        _debounce = debounce ?? TimeSpan.FromMilliseconds(100);
        _known = Fingerprint();
        SeesDatabase = Directory.Exists(Path.Combine(_directory, "embeddeddolt"));

        // Debouncing is about real file-system bursts, so it runs on wall-clock time even when the
        // plane's TimeProvider is a fake one.
        _timer = new Timer(_ => Check(), null, Timeout.Infinite, Timeout.Infinite);
        if (!Directory.Exists(_directory)) return;
        _watcher = new FileSystemWatcher(_directory)
        {
            NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.CreationTime,
            IncludeSubdirectories = true,
            InternalBufferSize = 64 * 1024,
        };
        _watcher.Changed += OnFileEvent;
        _watcher.Created += OnFileEvent;
        _watcher.Deleted += OnFileEvent;
        _watcher.Renamed += OnFileEvent;
        // An overflowed buffer lost events; the fingerprint tells whether any of them mattered.
        _watcher.Error += (_, _) => Schedule();
        _watcher.EnableRaisingEvents = true;
    }

    /// <summary>Beads may have changed through a bd process other than ours.</summary>
    public event Action? Changed;

    /// <summary>
    /// The embedded Dolt store lives in the watched directory, so every write by any bd process shows in
    /// the fingerprint. Not so for a Dolt server, whose data may live anywhere.
    /// </summary>
    public bool SeesDatabase { get; }

    /// <summary>Counts the foreign changes found so far; see <see cref="QuietSince"/>.</summary>
    public long ForeignEpoch
    {
        get
        {
            lock (_sync) return _foreignEpoch;
        }
    }

    /// <summary>
    /// True when no other process has written the database since <paramref name="foreignEpoch"/> was
    /// read: no foreign change was found and the files are as our last call left them. Call it between
    /// our own calls (under the plane's gate): a call in flight looks foreign. Never true unless
    /// <see cref="SeesDatabase"/>.
    /// </summary>
    public bool QuietSince(long foreignEpoch)
    {
        if (!SeesDatabase) return false;
        lock (_sync)
        {
            // Not adopted into _known: the watcher's check still raises Changed for it.
            if (Fingerprint() != _known) _foreignEpoch++;
            return _foreignEpoch == foreignEpoch;
        }
    }

    /// <summary>True when the files differ from what the feed last accepted (an event not yet judged).</summary>
    internal bool HasUnjudgedChanges
    {
        get
        {
            lock (_sync) return Fingerprint() != _known;
        }
    }

    /// <summary>
    /// One of our own bd calls starts. <paramref name="observes"/>: the call reads the ready set, so a
    /// foreign change made before it is seen by the caller and needs no poke.
    /// </summary>
    public void BeginOwnCall(bool observes)
    {
        lock (_sync)
        {
            _ownCalls++;
            if (Fingerprint() != _known)
            {
                _foreignEpoch++;
                if (!observes) _foreignBeforeOwnCall = true;
            }
        }
    }

    /// <summary>
    /// Our call ended. <paramref name="mayHaveWritten"/> is false when bd never got into the database
    /// (its lock was held), so whatever changed meanwhile was someone else's doing.
    /// </summary>
    public void EndOwnCall(bool mayHaveWritten)
    {
        bool raise, recheck;
        lock (_sync)
        {
            _ownCalls--;
            if (mayHaveWritten) _known = Fingerprint();
            else _foreignEpoch++; // another process held the database: it may be writing
            raise = _foreignBeforeOwnCall && _ownCalls == 0;
            if (raise) _foreignBeforeOwnCall = false;
            recheck = _eventsDuringOwnCall && _ownCalls == 0;
            if (recheck) _eventsDuringOwnCall = false;
        }
        if (raise)
        {
            LogForeignChange(_logger, _directory);
            // Off the caller's thread: it still holds the plane's gate, and a handler may call the plane.
            ThreadPool.QueueUserWorkItem(_ => Changed?.Invoke());
        }
        else if (recheck) Schedule();
    }

    private void OnFileEvent(object sender, FileSystemEventArgs e)
    {
        lock (_sync)
        {
            if (_ownCalls > 0)
            {
                _eventsDuringOwnCall = true;
                return;
            }
        }
        Schedule();
    }

    private void Schedule()
    {
        try
        {
            _timer.Change(_debounce, Timeout.InfiniteTimeSpan);
        }
        catch (ObjectDisposedException)
        {
            // an event racing disposal
        }
    }

    private void Check()
    {
        bool raise;
        lock (_sync)
        {
            if (_disposed) return;
            if (_ownCalls > 0)
            {
                // The end of that call takes the fingerprint and re-checks.
                _eventsDuringOwnCall = true;
                return;
            }
            var now = Fingerprint();
            raise = now != _known;
            _known = now;
            if (raise) _foreignEpoch++;
        }
        if (raise)
        {
            LogForeignChange(_logger, _directory);
            Changed?.Invoke();
        }
    }

    /// <summary>
    /// Name, length and modification time of the top-level files and of everything under the database
    /// directories. Lock files are left out: every bd process, reads included, takes and drops them.
    /// </summary>
    private ulong Fingerprint()
    {
        var hash = new XxHash64();
        try
        {
            var root = new DirectoryInfo(_directory);
            if (!root.Exists) return 0;
            Add(hash, root.EnumerateFiles("*", TopLevel));
            foreach (var name in DatabaseDirectories)
            {
                var database = new DirectoryInfo(Path.Combine(_directory, name));
                if (database.Exists) Add(hash, database.EnumerateFiles("*", Recursive));
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A directory vanished mid-walk (Dolt replaces files while it writes): a changed fingerprint
            // at worst costs one extra look at the ready set.
        }
        return hash.GetCurrentHashAsUInt64();
    }

    private static void Add(XxHash64 hash, IEnumerable<FileInfo> files)
    {
        Span<byte> stat = stackalloc byte[16];
        foreach (var file in files.OrderBy(f => f.FullName, StringComparer.Ordinal))
        {
            if (IsLockFile(file.Name)) continue;
            hash.Append(Encoding.UTF8.GetBytes(file.FullName));
            BitConverter.TryWriteBytes(stat, file.Length);
            BitConverter.TryWriteBytes(stat[8..], file.LastWriteTimeUtc.Ticks);
            hash.Append(stat);
        }
    }

    private static bool IsLockFile(string name) =>
        name.EndsWith(".lock", StringComparison.OrdinalIgnoreCase)
        || name is "LOCK" or ".exclusive-lock" or "sql-server.info";

    public void Dispose()
    {
        lock (_sync) _disposed = true;
        _watcher?.Dispose();
        _timer.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "beads in {BeadsDir} changed outside gemba: poking the dispatcher")]
    private static partial void LogForeignChange(ILogger logger, string beadsDir);
}
