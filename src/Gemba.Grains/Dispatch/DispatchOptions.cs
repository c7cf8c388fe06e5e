namespace Gemba.Grains.Dispatch;

/// <summary>Dispatcher knobs set by <c>gemba serve</c> (and tests).</summary>
public sealed class DispatchOptions
{
    /// <summary>Backstop cycle period; events make most cycles happen sooner.</summary>
    public TimeSpan Tick { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Native installs have the single scope <c>local</c>; Gas Town scopes are rigs.</summary>
    public bool NativeScopes { get; set; } = true;

    /// <summary>Gas Town: beads id prefix → rig, for routing a bead to its scope.</summary>
    public IReadOnlyDictionary<string, string> RigPrefixes { get; set; } = new Dictionary<string, string>();

    /// <summary>Recent decisions kept per scope for <c>/api/dispatch/decisions</c>.</summary>
    public int DecisionLogSize { get; set; } = 1000;

    /// <summary>Failed attempts (by distinct sessions) before a bead is parked.</summary>
    public int MaxAttempts { get; set; } = 3;

    /// <summary>Wait before retrying a bead after its first failure; doubles each time.</summary>
    public TimeSpan RetryBackoff { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Label put on a parked bead; removing it un-parks the bead.</summary>
    public string ParkedLabel { get; set; } = "gemba:parked";
}
