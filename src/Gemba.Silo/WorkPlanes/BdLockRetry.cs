namespace Gemba.Silo.WorkPlanes;

/// <summary>
/// How long a bd call waits out another process holding the database (reference §3.1: the embedded
/// Dolt backend admits one bd process at a time, and agents run bd too): exponential backoff from
/// <see cref="FirstDelay"/> up to <see cref="MaxDelay"/>, giving up before the time spent waiting
/// would exceed <see cref="Budget"/>. The budget counts the waits, not the attempts, so how many attempts
/// are made does not depend on how fast the machine starts processes.
/// </summary>
internal sealed record BdLockRetry(TimeSpan FirstDelay, TimeSpan MaxDelay, TimeSpan Budget)
{
    /// <summary>11 attempts over 7.5 s of waiting: about 10 s in all with bd's start-up cost per attempt.</summary>
    public static readonly BdLockRetry Default = new(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(8));

    /// <summary>
    /// The texts bd and Dolt print when the database is held by someone else. They are transient by
    /// nature: the holder is another short bd call.
    /// </summary>
    private static readonly string[] LockTexts =
    [
        "holds the exclusive lock",
        "only one writer at a time",
        "database is locked",
        "lock busy",
        "database is read only",
    ];

    public static bool IsLockError(string errorText) =>
        LockTexts.Any(t => errorText.Contains(t, StringComparison.OrdinalIgnoreCase));
}
