using System.Text;

namespace Gemba.Silo.Storage;

/// <summary>
/// Replaces an operator's file in one step, and only if it still holds what we read: readers see the
/// old file or the new one, never half of either, and an edit saved by someone else in the meantime
/// is never overwritten.
/// </summary>
internal static class AtomicFile
{
    /// <summary>
    /// Writes <paramref name="text"/> to <paramref name="path"/> if its content is still
    /// <paramref name="expected"/> (null: the file must not exist). False when it changed; nothing is then lost.
    /// </summary>
    /// <remarks>
    /// The new content is written and flushed to a temporary file beside the target, then swapped in with
    /// <c>RENAME_EXCHANGE</c>: the replaced file lands at the temporary path, so we can compare exactly what
    /// we replaced, and swap back if a writer got in between our read and the swap. Without the swap, the
    /// content is compared just before a plain rename (a far smaller window than read-edit-write).
    /// The file keeps its permissions.
    /// </remarks>
    public static bool TryReplace(string path, string text, string? expected)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        var temp = Path.Combine(directory, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
            {
                var bytes = Encoding.UTF8.GetBytes(text);
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }
            if (expected is null)
                return TryCreate(temp, path);
            if (!OperatingSystem.IsWindows() && File.Exists(path))
                File.SetUnixFileMode(temp, File.GetUnixFileMode(path));

            if (FileSwap.TryExchange(temp, path))
            {
                if (ReadOrNull(temp) == expected)
                {
                    CarryLateWrites(temp, path, expected);
                    return true;
                }
                // Someone wrote between our read and the swap: put their file back. A writer that opened the
                // path in the moment ours was in place wrote into ours; carry those bytes over to theirs.
                FileSwap.TryExchange(temp, path);
                if (ReadOrNull(temp) is { } ours && ours.Length > text.Length && ours.StartsWith(text, StringComparison.Ordinal))
                    File.AppendAllText(path, ours[text.Length..]);
                return false;
            }
            if (ReadOrNull(path) != expected) return false;
            File.Move(temp, path, overwrite: true);
            return true;
        }
        finally
        {
            File.Delete(temp);
        }
    }

    /// <summary>
    /// A writer that opened the file just before the swap still writes into the file we replaced. Such
    /// writes land within microseconds of the open, so watching the replaced file for a few milliseconds
    /// catches them, and their bytes are appended to the new file. A writer holding the old file open
    /// longer than that writes into a file nobody reads: no rename-based save can prevent it.
    /// </summary>
    private static void CarryLateWrites(string replaced, string path, string seen)
    {
        for (var i = 0; i < LateWriteChecks; i++)
        {
            Thread.Sleep(LateWriteInterval);
            if (ReadOrNull(replaced) is { } now && now.Length > seen.Length && now.StartsWith(seen, StringComparison.Ordinal))
            {
                File.AppendAllText(path, now[seen.Length..]);
                seen = now;
            }
        }
    }

    private const int LateWriteChecks = 3;
    private static readonly TimeSpan LateWriteInterval = TimeSpan.FromMilliseconds(5);

    private static bool TryCreate(string temp, string path)
    {
        try
        {
            // No overwrite: a file someone created since we looked wins.
            File.Move(temp, path, overwrite: false);
            return true;
        }
        catch (IOException) when (File.Exists(path))
        {
            return false;
        }
    }

    public static string? ReadOrNull(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }
    }
}
