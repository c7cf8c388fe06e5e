namespace Gemba.Silo.Hosting;

/// <summary>
/// The clock Orleans' membership area (and its watchdog) reads, counting timestamps from the
/// silo's start instead of the machine's boot; elapsed times are the same.
/// </summary>
/// <remarks>
/// Orleans' watchdog starts its platform thread before it stamps the component check's first
/// timestamp, so that thread's first look often measures from timestamp 0: with the system clock
/// that is the machine's uptime, and it warns "Participant check thread has not completed for
/// 00:30:20" on a healthy silo half an hour after boot. Counted from the silo's start, the unset
/// stamp reads as the few seconds since then, well under the 2 × 10 s the warning needs, while a
/// real stall still warns.
/// </remarks>
internal sealed class SiloRelativeClock : TimeProvider
{
    private readonly long _origin = TimeProvider.System.GetTimestamp();

    public override long GetTimestamp() => TimeProvider.System.GetTimestamp() - _origin;
}
