namespace Gemba.Sessions;

/// <summary>Lifecycle of a pool member. Wire strings are the lower-case names (see <see cref="SessionStatusNames"/>).</summary>
[GenerateSerializer, Alias("gemba.SessionStatus")]
public enum SessionStatus
{
    Initializing = 0,
    Ready = 1,
    Working = 2,
    Recycling = 3,
    Completed = 4,
    Failed = 5,
    Prompting = 6,
    Stalled = 7,
}

public static class SessionStatusNames
{
    public static string ToWire(this SessionStatus status) => status switch
    {
        SessionStatus.Initializing => "initializing",
        SessionStatus.Ready => "ready",
        SessionStatus.Working => "working",
        SessionStatus.Recycling => "recycling",
        SessionStatus.Completed => "completed",
        SessionStatus.Failed => "failed",
        SessionStatus.Prompting => "prompting",
        SessionStatus.Stalled => "stalled",
        _ => "unknown",
    };

    public static bool TryParse(string? wire, out SessionStatus status)
    {
        foreach (var candidate in Enum.GetValues<SessionStatus>())
        {
            if (string.Equals(candidate.ToWire(), wire, StringComparison.OrdinalIgnoreCase))
            {
                status = candidate;
                return true;
            }
        }
        status = default;
        return false;
    }

    public static bool IsTerminal(this SessionStatus status) => status is SessionStatus.Completed or SessionStatus.Failed;

    /// <summary>Holding a bead: counts toward the pool's in-flight total.</summary>
    public static bool IsBusy(this SessionStatus status) =>
        status is SessionStatus.Working or SessionStatus.Prompting or SessionStatus.Stalled or SessionStatus.Initializing or SessionStatus.Recycling;
}
