namespace Gemba.Grains.Pools;

/// <summary>
/// A pool whose agents cannot start (binary missing, agent exits at once) stops growing for a while
/// instead of burning one bead after another: the first failed spawn pauses growth for
/// <see cref="Base"/>, each further one doubles it up to <see cref="Max"/>, and a spawn that works
/// resets it. Spawn failures are the pool's, not the bead's: the bead is released without a failure
/// counted against it, so a broken agents.toml never parks good work.
/// </summary>
public sealed record SpawnBackoff(int Failures, DateTimeOffset Until, string Reason)
{
    public static readonly TimeSpan Base = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan Max = TimeSpan.FromMinutes(10);

    public static SpawnBackoff After(SpawnBackoff? previous, string reason, DateTimeOffset now)
    {
        var failures = (previous?.Failures ?? 0) + 1;
        var wait = TimeSpan.FromTicks((long)Math.Min(Max.Ticks, Base.Ticks * Math.Pow(2, failures - 1)));
        return new SpawnBackoff(failures, now + wait, reason);
    }

    public bool Pauses(DateTimeOffset now) => now < Until;

    public string Describe() => $"new members paused until {Until:HH:mm:ss} after {Failures} failed spawn(s): {Reason}";
}
