using System.Runtime.InteropServices;

namespace Gemba.Silo.Storage;

/// <summary>
/// Linux <c>renameat2(RENAME_EXCHANGE)</c>: atomically swaps two paths, so the file that was in
/// place is not gone but sits at the other path, and we can see exactly what we replaced (an edit
/// saved a moment before, bytes a <c>&gt;&gt;</c> writer appended). Elsewhere, or on a file system
/// that lacks it, callers fall back to a plain rename.
/// </summary>
internal static class FileSwap
{
    private const int AtFdCwd = -100;
    private const uint RenameExchange = 2;
    private const int ENOENT = 2, EINVAL = 22, ENOSYS = 38, EOPNOTSUPP = 95;

    private static volatile bool _unsupported = !OperatingSystem.IsLinux();

    public static bool IsSupported => !_unsupported;

    /// <summary>
    /// Swaps <paramref name="source"/> and <paramref name="target"/>. False when the swap is not
    /// available here (nothing was changed) or <paramref name="target"/> does not exist.
    /// </summary>
    public static bool TryExchange(string source, string target)
    {
        if (_unsupported) return false;
        int result, errno;
        try
        {
            result = renameat2(AtFdCwd, source, AtFdCwd, target, RenameExchange);
            errno = result == 0 ? 0 : Marshal.GetLastPInvokeError();
        }
        catch (Exception ex) when (ex is EntryPointNotFoundException or DllNotFoundException)
        {
            _unsupported = true;
            return false;
        }
        if (result == 0) return true;
        switch (errno)
        {
            case ENOENT:
                return false;
            case EINVAL or ENOSYS or EOPNOTSUPP:
                _unsupported = true;
                return false;
            default:
                throw new IOException($"renameat2({source}, {target}, RENAME_EXCHANGE) failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})");
        }
    }

#pragma warning disable SYSLIB1054 // LibraryImport would need unsafe code for the strings; this call is not hot
    [DllImport("libc", SetLastError = true)]
    private static extern int renameat2(int olddirfd, string oldpath, int newdirfd, string newpath, uint flags);
#pragma warning restore SYSLIB1054
}
