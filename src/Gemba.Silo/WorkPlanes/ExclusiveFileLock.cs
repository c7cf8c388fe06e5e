namespace Gemba.Silo.WorkPlanes;

/// <summary>
/// An OS-level exclusive lock held by keeping a lock file open with <see cref="FileShare.None"/>, so
/// that two gemba processes sharing a beads directory cannot interleave read-modify-write cycles.
/// The file itself is left in place: deleting it on release would let a third process lock a
/// different inode than a waiter that already opened the old one.
/// </summary>
internal sealed class ExclusiveFileLock : IDisposable
{
    private readonly FileStream _stream;

    private ExclusiveFileLock(FileStream stream) => _stream = stream;

    public static async Task<ExclusiveFileLock> AcquireAsync(string path, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        var delay = TimeSpan.FromMilliseconds(5);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                return new ExclusiveFileLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None));
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                // held by another process (or another handle): back off and retry
            }
            catch (IOException ex)
            {
                throw new TimeoutException($"could not lock {path} within {timeout.TotalSeconds:0.#} s: another process holds it", ex);
            }
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 100));
        }
    }

    public void Dispose() => _stream.Dispose();
}
