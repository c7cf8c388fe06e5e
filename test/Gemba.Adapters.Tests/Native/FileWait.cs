using System.Diagnostics;
using Xunit.Sdk;

namespace Gemba.Adapters.Tests.Native;

/// <summary>
/// Awaits a condition on a file the scripted agent appends to: woken by a FileSystemWatcher, with a
/// bounded re-check in case an event is missed, failing with the file's content on timeout.
/// </summary>
internal static class FileWait
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(20);

    public static async Task<string[]> UntilAsync(string path, Func<string[], bool> done, string what, Func<string>? diagnostics = null, TimeSpan? timeout = null)
    {
        var limit = timeout ?? DefaultTimeout;
        using var changed = new SemaphoreSlim(0);
        void Wake(object? sender, FileSystemEventArgs e)
        {
            try { changed.Release(); }
            catch (ObjectDisposedException) { /* the wait is over */ }
        }
        using var watcher = new FileSystemWatcher(Path.GetDirectoryName(path)!, Path.GetFileName(path))
        {
            NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.FileName,
        };
        watcher.Changed += Wake;
        watcher.Created += Wake;
        watcher.EnableRaisingEvents = true;

        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            var lines = Read(path);
            if (done(lines)) return lines;
            var remaining = limit - Stopwatch.GetElapsedTime(started);
            if (remaining <= TimeSpan.Zero)
                throw new XunitException(
                    $"timed out after {limit.TotalSeconds:0} s waiting for {what}; {path} holds:\n{string.Join('\n', lines)}"
                    + (diagnostics is null ? "" : $"\n--- diagnostics ---\n{diagnostics()}"));
            await changed.WaitAsync(remaining < TimeSpan.FromSeconds(1) ? remaining : TimeSpan.FromSeconds(1));
        }
    }

    public static string[] Read(string path)
    {
        try
        {
            return File.Exists(path) ? File.ReadAllLines(path) : [];
        }
        catch (IOException)
        {
            return [];
        }
    }
}
