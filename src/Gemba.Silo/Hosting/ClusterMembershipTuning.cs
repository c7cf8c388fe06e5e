using Orleans.Configuration;

namespace Gemba.Silo.Hosting;

/// <summary>
/// How fast a Redis cluster of gemba silos declares a silo dead. Orleans' defaults (5 s probes, three
/// misses, a 30 s heartbeat) are sized for large clusters on busy networks and leave a SIGKILLed
/// silo's dispatchers and sessions unreachable for half a minute or more; gemba's silos are few and
/// usually on one host or one LAN, and the target is the next dispatch on a survivor within 15 s.
/// </summary>
internal static class ClusterMembershipTuning
{
    public static void Apply(ClusterMembershipOptions o)
    {
        // A killed process refuses connections at once, so probes fail fast; the probe period, not the
        // timeout, is what a kill waits out. 2 s keeps a short GC or a saturated 2-core host (three silos
        // under load) from looking dead: a probe must miss three times in a row (about 6 s) to suspect.
        o.ProbeTimeout = TimeSpan.FromSeconds(2);
        o.NumMissedProbesLimit = 3;
        // Each silo probes up to three others; two votes (capped by Orleans at the live silos) then
        // declare death, so one confused silo alone cannot evict a healthy one.
        o.NumProbedSilos = 3;
        o.NumVotesForDeathDeclaration = 2;
        // Votes older than this are ignored: long enough to collect the second vote, short enough that a
        // stale suspicion from a past hiccup does not combine with a new one.
        o.DeathVoteExpirationTimeout = TimeSpan.FromSeconds(30);
        // The heartbeat in the table marks stale entries (a silo killed while the cluster was down);
        // with 10 s, a full restart stops waiting for the dead generation within 20 s.
        o.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(10);
        // Silos learn of a death by gossip at once; the table refresh is the backstop when gossip is missed.
        o.TableRefreshTimeout = TimeSpan.FromSeconds(10);
    }
}
