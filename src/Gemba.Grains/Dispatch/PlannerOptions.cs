namespace Gemba.Grains.Dispatch;

/// <summary>Knobs of one dispatch cycle.</summary>
public sealed record PlannerOptions
{
    /// <param name="ageBoostPerHour">Ranking bonus per hour a bead has waited (original §3.7).</param>
    /// <param name="ageBoostMax">Cap of the age bonus; 0 or less = uncapped.</param>
    /// <param name="starvationLimit">After this wait the floor is waived; default 30 min; zero or less = never.</param>
    /// <param name="maxDecisions">Cap on decisions returned per cycle; dispatched ones are always kept.</param>
    public PlannerOptions(double ageBoostPerHour = 0.05, double ageBoostMax = 0.30, TimeSpan? starvationLimit = null, int maxDecisions = 20_000)
    {
        AgeBoostPerHour = ageBoostPerHour;
        AgeBoostMax = ageBoostMax;
        StarvationLimit = starvationLimit ?? TimeSpan.FromMinutes(30);
        MaxDecisions = maxDecisions;
    }

    public static PlannerOptions Default { get; } = new();

    public double AgeBoostPerHour { get; init; }
    public double AgeBoostMax { get; init; }
    public TimeSpan StarvationLimit { get; init; }
    public int MaxDecisions { get; init; }
    public AffinityWeights Weights { get; init; } = AffinityWeights.Default;

    /// <summary>Best beads remembered per member before a rescan; only affects speed, never the result.</summary>
    public int CandidatesPerMember { get; init; } = 16;

    public double AgeBoost(TimeSpan waited)
    {
        if (AgeBoostPerHour <= 0 || waited <= TimeSpan.Zero) return 0;
        var boost = AgeBoostPerHour * waited.TotalHours;
        return AgeBoostMax > 0 ? Math.Min(boost, AgeBoostMax) : boost;
    }

    public bool IsStarving(TimeSpan waited) => StarvationLimit > TimeSpan.Zero && waited >= StarvationLimit;
}
