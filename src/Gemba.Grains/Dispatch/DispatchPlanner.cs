using System.Globalization;
using Gemba.Config;
using Gemba.Dispatch;
using Gemba.Grains.Pools;
using Gemba.Pools;
using Gemba.Sessions;

namespace Gemba.Grains.Dispatch;

/// <summary>
/// One dispatch cycle for one scope (DESIGN §4.1–4.5): pure and deterministic. Pairs every idle
/// member — and one virtual fresh member per pool that may grow — with the ready beads of its
/// persona, then takes pairs best-first (greedy), each bead and member at most once, within the
/// pool's capacity, never two conflicting beads, respecting the floor unless a bead has starved.
/// Pools that cannot grow recycle an idle member that fits nothing waiting to take unfitting work.
/// Every bead looked at leaves with exactly one decision saying what happened to it and why.
/// </summary>
public static class DispatchPlanner
{
    /// <summary>Scores are sums of doubles; a floor equal to a score must not fail by rounding.</summary>
    private const double Epsilon = 1e-9;

    public static DispatchPlan Plan(PlanInput input) => new Cycle(input).Run();


    private enum BeadState { Waiting, Assigned, Decided }

    private sealed class Candidate(ReadyCandidate input, int rank)
    {
        public ReadyCandidate Input { get; } = input;
        public BeadTraits Traits => Input.Traits;
        public string Id => Input.Traits.BeadId;
        public int Rank { get; } = rank;
        public double Boost;
        public bool Starving;
        public ScoringBead Scoring = null!;
        public Pool? Pool;
        public BeadState State;
        public DispatchDecision? Decision;
        public double BestKey = double.NegativeInfinity;
        public Member? BestMember;
        public double BestWarmKey = double.NegativeInfinity;
    }

    private sealed class Pool(PoolInput input)
    {
        public PoolInput Input { get; } = input;
        public PoolKey Key => Input.Config.Key;
        public double Floor => Input.Config.Floor;
        public readonly List<Candidate> Beads = [];
        public readonly List<Member> Warm = [];
        public readonly List<MemberSummary> UsableIdle = [];
        public readonly Queue<MemberSummary> RecycleDue = new();
        public Member? Fresh;
        public int Busy, Gated, Growth, Remaining, Assigned;
    }

    /// <summary>An idle member, or (Summary null) the pool's fresh members, which all score alike.</summary>
    private sealed class Member(Pool pool, MemberSummary? summary, ScoringProfile profile, int slots)
    {
        public Pool Pool { get; } = pool;
        public MemberSummary? Summary { get; } = summary;
        public ScoringProfile Profile { get; } = profile;
        public int Slots = slots;
        public int Order;
        public (Candidate Bead, double Key)[] List = [];
        public int Head;
        public bool Truncated;
        public double BestKeyAtStart = double.NegativeInfinity;
        public string Name => Summary?.SessionId ?? "a new member";
    }

    private sealed class Cycle(PlanInput input)
    {
        private readonly PlannerOptions _options = input.Options;
        private readonly AffinityWeights _weights = input.Options.Weights;
        private readonly ScoringTerms _terms = new();
        private readonly ConflictIndex _conflicts = new();
        private readonly List<Candidate> _candidates = [];
        private readonly List<Pool> _pools = [];
        private readonly List<PlannedAssignment> _assignments = [];
        private readonly List<DispatchDecision> _dispatched = [];

        public DispatchPlan Run()
        {
            foreach (var held in input.InProgress) _conflicts.Add(held.BeadId, held);
            Classify();
            Greedy(BuildMembers());
            foreach (var pool in _pools) RecycleToFit(pool);
            return new DispatchPlan(_assignments, Decisions());
        }

        /// <summary>Routes each candidate to its pool, or decides it at once (no persona, conflict, no capacity).</summary>
        private void Classify()
        {
            var byPersona = new Dictionary<string, Pool>(StringComparer.Ordinal);
            foreach (var poolInput in input.Pools.OrderBy(p => p.Config.Key.ToString(), StringComparer.Ordinal))
            {
                if (byPersona.ContainsKey(poolInput.Config.Persona)) continue;
                var pool = new Pool(poolInput);
                byPersona[poolInput.Config.Persona] = pool;
                _pools.Add(pool);
                SizeUp(pool);
            }

            var seen = new HashSet<string>(StringComparer.Ordinal);
            var ordered = input.Ready
                .Where(r => seen.Add(r.Traits.BeadId))
                .OrderBy(r => r.Traits.Priority)
                .ThenBy(r => r.ReadySince)
                .ThenBy(r => r.Traits.BeadId, StringComparer.Ordinal)
                .ToList();
            for (var rank = 0; rank < ordered.Count; rank++)
            {
                var c = new Candidate(ordered[rank], rank);
                _candidates.Add(c);
                var waited = input.Now - c.Input.ReadySince;
                c.Boost = _options.AgeBoost(waited);
                c.Starving = _options.IsStarving(waited);

                if (c.Input.Persona is not { Length: > 0 } persona)
                {
                    Decide(c, DispatchOutcome.NoPersona, "no persona: the bead names none and neither [pool.routing] nor default_persona matches its kind " + c.Traits.Kind);
                    continue;
                }
                if (!byPersona.TryGetValue(persona, out var pool))
                {
                    Decide(c, DispatchOutcome.NoPersona, $"no pool {input.Scope}/{persona} in scope {input.Scope}");
                    continue;
                }
                c.Pool = pool;
                if (pool.Input.Config.SizeEffective <= 0)
                {
                    Decide(c, DispatchOutcome.NoPersona, $"pool {pool.Key} has effective size 0 (clamped by max_parallel)");
                    continue;
                }
                if (_conflicts.FindConflict(c.Traits) is { } conflict)
                {
                    Decide(c, DispatchOutcome.BlockedByConflict, conflict);
                    continue;
                }
                if (pool.Remaining == 0)
                {
                    Decide(c, DispatchOutcome.BlockedByGate, CapacityReason(pool));
                    continue;
                }
                c.Scoring = _terms.Prepare(c.Traits);
                pool.Beads.Add(c);
            }
        }

        /// <summary>Capacity = min(idle + growth, concurrency cap − busy), per DESIGN §4.5.</summary>
        private void SizeUp(Pool pool)
        {
            var config = pool.Input.Config;
            var capacity = PoolCapacity.Of(config, pool.Input.Members, pool.Input.GrowthPaused is not null);
            pool.Busy = capacity.Busy;
            pool.Growth = capacity.Growth;
            if (!config.OneShot)
            {
                var idle = pool.Input.Members.Where(m => !m.Status.IsTerminal() && PoolCapacity.IsIdle(m));
                foreach (var m in idle.OrderBy(m => m.SessionId, StringComparer.Ordinal))
                {
                    if (IsGated(config, m))
                        pool.Gated++;
                    else if (config.RecycleAfterBeads > 0 && m.BeadsSinceRecycle >= config.RecycleAfterBeads)
                        pool.RecycleDue.Enqueue(m);
                    else
                        pool.UsableIdle.Add(m);
                }
            }
            var freshSlots = pool.Growth + pool.RecycleDue.Count;
            pool.Remaining = pool.Input.Paused is not null ? 0 : Math.Max(0, Math.Min(pool.UsableIdle.Count + freshSlots, config.ConcurrencyCap - pool.Busy));
        }

        private List<Member> BuildMembers()
        {
            var warm = new List<Member>();
            var fresh = new List<Member>();
            foreach (var pool in _pools)
            {
                if (pool.Beads.Count == 0) continue;
                var config = pool.Input.Config;
                foreach (var m in pool.UsableIdle)
                {
                    var pressure = AffinityScorer.ContextPressure(m.BeadsSinceRecycle, config.RecycleAfterBeads);
                    var member = new Member(pool, m, _terms.Prepare(m.Profile, pressure, input.Now), 1);
                    pool.Warm.Add(member);
                    warm.Add(member);
                }
                var freshSlots = pool.Growth + pool.RecycleDue.Count;
                if (freshSlots > 0)
                {
                    pool.Fresh = new Member(pool, null, ScoringProfile.Fresh, freshSlots);
                    fresh.Add(pool.Fresh);
                }
            }
            // Tie-break by session id; fresh members (no id yet) come last.
            var all = warm.OrderBy(m => m.Summary!.SessionId, StringComparer.Ordinal).Concat(fresh).ToList();
            for (var i = 0; i < all.Count; i++) all[i].Order = i;
            return all;
        }

        private bool IsGated(ResolvedPool config, MemberSummary m) =>
            config.MinIntervalSeconds > 0 && m.LastDispatchAt is { } last
            && input.Now - last < TimeSpan.FromSeconds(config.MinIntervalSeconds);

        /// <summary>
        /// Exact greedy without the full pair list: each member keeps its best few eligible beads
        /// (rescanning when they are all gone), and a heap over the members' current heads yields
        /// the globally best remaining pair. Entries only ever become invalid, never valid again,
        /// so a member's head is always its best valid pair.
        /// </summary>
        private void Greedy(List<Member> members)
        {
            var heap = new PriorityQueue<(Member Member, int Head), (double Key, int Rank, int Order)>(BestFirst.Instance);
            foreach (var m in members)
            {
                Fill(m, initial: true);
                Push(heap, m);
            }
            while (heap.TryDequeue(out var top, out _))
            {
                var (m, head) = top;
                if (m.Pool.Remaining == 0 || m.Slots == 0) continue;
                if (head != m.Head || m.List[head].Bead.State != BeadState.Waiting)
                {
                    Push(heap, m);
                    continue;
                }
                var (bead, key) = m.List[head];
                m.Head++;
                if (_conflicts.FindConflict(bead.Traits) is { } conflict)
                {
                    Decide(bead, DispatchOutcome.BlockedByConflict, conflict);
                }
                else
                {
                    AssignFromGreedy(m, bead, key);
                }
                if (m.Slots > 0) Push(heap, m);
            }
        }

        private void Push(PriorityQueue<(Member, int), (double, int, int)> heap, Member m)
        {
            if (m.Slots == 0 || m.Pool.Remaining == 0 || !Advance(m)) return;
            var (bead, key) = m.List[m.Head];
            heap.Enqueue((m, m.Head), (key, bead.Rank, m.Order));
        }

        private bool Advance(Member m)
        {
            while (true)
            {
                while (m.Head < m.List.Length && m.List[m.Head].Bead.State != BeadState.Waiting) m.Head++;
                if (m.Head < m.List.Length) return true;
                if (!m.Truncated) return false;
                Fill(m, initial: false);
            }
        }

        /// <summary>Keeps the member's best eligible beads; on the first pass also records the best fits for the decisions.</summary>
        private void Fill(Member m, bool initial)
        {
            var k = Math.Max(1, _options.CandidatesPerMember);
            var best = new PriorityQueue<Candidate, (double Key, int Rank)>(WorstFirst.Instance);
            var eligible = 0;
            var floor = m.Pool.Floor;
            foreach (var c in m.Pool.Beads)
            {
                if (c.State != BeadState.Waiting) continue;
                var key = _terms.Score(c.Scoring, m.Profile).Combined(_weights) + c.Boost;
                if (initial)
                {
                    if (key > m.BestKeyAtStart) m.BestKeyAtStart = key;
                    if (key > c.BestKey || (key == c.BestKey && m.Summary is not null && c.BestMember?.Summary is null))
                    {
                        c.BestKey = key;
                        c.BestMember = m;
                    }
                    if (m.Summary is not null && key > c.BestWarmKey) c.BestWarmKey = key;
                }
                if (key + Epsilon < floor && !c.Starving) continue;
                eligible++;
                if (best.Count < k) best.Enqueue(c, (key, c.Rank));
                else if (WorstFirst.Instance.Compare((key, c.Rank), PeekPriority(best)) > 0) best.DequeueEnqueue(c, (key, c.Rank));
            }
            var list = new (Candidate, double)[best.Count];
            for (var i = list.Length - 1; best.TryDequeue(out var c, out var p); i--) list[i] = (c, p.Key);
            m.List = list;
            m.Head = 0;
            m.Truncated = eligible > list.Length;
        }

        private static (double, int) PeekPriority(PriorityQueue<Candidate, (double Key, int Rank)> queue)
        {
            queue.TryPeek(out _, out var priority);
            return priority;
        }

        private void AssignFromGreedy(Member m, Candidate bead, double key)
        {
            var pool = m.Pool;
            var floorNote = key + Epsilon < pool.Floor ? $"; floor {F(pool.Floor)} waived after waiting {Waited(bead)}" : "";
            if (m.Summary is { } member)
            {
                var warm = _terms.Score(bead.Scoring, m.Profile);
                var fresh = _terms.Score(bead.Scoring, ScoringProfile.Fresh);
                // A starved bead taken below the floor: start from a clean context when that fits it better.
                if (floorNote.Length > 0 && fresh.Combined(_weights) > warm.Combined(_weights))
                    Assign(pool, bead, member.SessionId, true, fresh, $"recycled to fit{floorNote}");
                else
                    Assign(pool, bead, member.SessionId, false, warm, $"best fit {F(key)}{BoostNote(bead)}{floorNote}");
            }
            else
            {
                var parts = _terms.Score(bead.Scoring, m.Profile);
                if (pool.RecycleDue.TryDequeue(out var due))
                    Assign(pool, bead, due.SessionId, true, parts,
                        $"recycled after {due.BeadsSinceRecycle} beads (recycle_after_beads = {pool.Input.Config.RecycleAfterBeads}); fresh fit {F(key)}{floorNote}");
                else
                {
                    pool.Growth--;
                    Assign(pool, bead, null, false, parts, $"new member: pool grows; fresh fit {F(key)}{BoostNote(bead)}{floorNote}");
                }
            }
            m.Slots--;
        }

        /// <summary>
        /// DESIGN §4.5: a pool that cannot grow recycles an idle member whose profile fits nothing
        /// waiting, to take a bead no idle member fits. Runs after the greedy pass, on what is left.
        /// </summary>
        private void RecycleToFit(Pool pool)
        {
            if (pool.Remaining == 0 || pool.Input.Config.OneShot) return;
            var floor = pool.Floor;
            var misfits = new Queue<Member>(pool.Warm
                .Where(m => m.Slots > 0 && m.BestKeyAtStart + Epsilon < floor)
                .OrderBy(m => m.BestKeyAtStart).ThenBy(m => m.Order));
            if (misfits.Count == 0) return;
            var beads = pool.Beads
                .Where(c => c.State == BeadState.Waiting && c.BestWarmKey + Epsilon < floor)
                .Select(c => (Bead: c, Parts: _terms.Score(c.Scoring, ScoringProfile.Fresh)))
                .Select(x => (x.Bead, x.Parts, Key: x.Parts.Combined(_weights) + x.Bead.Boost))
                .Where(x => x.Key + Epsilon >= floor || x.Bead.Starving)
                .OrderByDescending(x => x.Key).ThenBy(x => x.Bead.Rank);
            foreach (var (bead, parts, key) in beads)
            {
                if (misfits.Count == 0 || pool.Remaining == 0) break;
                if (_conflicts.FindConflict(bead.Traits) is { } conflict)
                {
                    Decide(bead, DispatchOutcome.BlockedByConflict, conflict);
                    continue;
                }
                var m = misfits.Dequeue();
                m.Slots--;
                Assign(pool, bead, m.Summary!.SessionId, true, parts,
                    $"recycled to fit: {m.Name} fits nothing waiting (best {F(m.BestKeyAtStart)} < floor {F(floor)}); fresh fit {F(key)}");
            }
        }

        private void Assign(Pool pool, Candidate bead, string? sessionId, bool recycleFirst, ScoreParts parts, string reason)
        {
            var scores = parts.ToScores(_weights);
            bead.State = BeadState.Assigned;
            pool.Remaining--;
            pool.Assigned++;
            _conflicts.Add(bead.Id, bead.Traits);
            _assignments.Add(new PlannedAssignment(pool.Key, sessionId, recycleFirst, bead.Id, scores));
            _dispatched.Add(new DispatchDecision(bead.Id, input.Scope, bead.Input.Persona, sessionId,
                DispatchOutcome.Dispatched, reason, scores, input.Now));
        }

        private void Decide(Candidate c, string outcome, string reason, string? sessionId = null, AffinityScores? scores = null)
        {
            c.State = BeadState.Decided;
            c.Decision = new DispatchDecision(c.Id, input.Scope, c.Input.Persona, sessionId, outcome, reason, scores, input.Now);
        }

        /// <summary>Dispatched first, then every other bead in ranking order, capped at <see cref="PlannerOptions.MaxDecisions"/>.</summary>
        private List<DispatchDecision> Decisions()
        {
            var result = new List<DispatchDecision>(_dispatched);
            foreach (var c in _candidates)
            {
                if (result.Count >= Math.Max(_options.MaxDecisions, _dispatched.Count)) break;
                if (c.State == BeadState.Waiting) ExplainWaiting(c);
                if (c.Decision is { } decision) result.Add(decision);
            }
            return result;
        }

        private void ExplainWaiting(Candidate c)
        {
            var pool = c.Pool!;
            if (pool.Remaining == 0)
            {
                Decide(c, DispatchOutcome.BlockedByGate, CapacityReason(pool));
                return;
            }
            if (c.BestMember is not { } best)
            {
                Decide(c, DispatchOutcome.NoEligibleBead, $"no free member in pool {pool.Key}");
                return;
            }
            var parts = _terms.Score(c.Scoring, best.Profile);
            var scores = parts.ToScores(_weights);
            var floor = pool.Floor;
            var reason = c.BestKey + Epsilon >= floor
                ? $"best fit {best.Name} ({F(c.BestKey)}) took other work this cycle; the free members score below floor {F(floor)}"
                : $"best score {F(c.BestKey)} ({best.Name}: combined {F(scores.Combined)}{BoostNote(c)}) below floor {F(floor)}";
            Decide(c, DispatchOutcome.BelowFloor, reason, best.Summary?.SessionId, scores);
        }

        private string CapacityReason(Pool pool)
        {
            var config = pool.Input.Config;
            var inFlight = pool.Busy + pool.Assigned;
            if (pool.Input.Paused is { } why)
                return $"pool {pool.Key}: auto-dispatch paused by an operator ({why})";
            if (config.ConcurrencyCap < config.SizeEffective && inFlight >= config.ConcurrencyCap)
                return $"max-concurrent reached ({inFlight}/{config.ConcurrencyCap} in flight)";
            if (pool.Gated > 0 && pool.Assigned == 0)
                return $"per-session rate limit: {pool.Gated} idle member(s) dispatched less than {config.MinIntervalSeconds}s ago";
            if (pool.Input.GrowthPaused is { } paused && pool.Busy + pool.Assigned < config.SizeEffective)
                return $"pool {pool.Key}: {paused}";
            return $"pool full: {inFlight}/{config.SizeEffective} members busy";
        }

        private string Waited(Candidate c) => (input.Now - c.Input.ReadySince).TotalMinutes.ToString("0", CultureInfo.InvariantCulture) + " min";

        private static string BoostNote(Candidate c) => c.Boost > 0 ? $" incl. age boost {F(c.Boost)}" : "";

        private static string F(double value) => value.ToString("0.000", CultureInfo.InvariantCulture);
    }

    /// <summary>Higher key first, then higher-priority (lower rank) bead, then member order.</summary>
    private sealed class BestFirst : IComparer<(double Key, int Rank, int Order)>
    {
        public static readonly BestFirst Instance = new();

        public int Compare((double Key, int Rank, int Order) a, (double Key, int Rank, int Order) b)
        {
            var byKey = b.Key.CompareTo(a.Key);
            if (byKey != 0) return byKey;
            var byRank = a.Rank.CompareTo(b.Rank);
            return byRank != 0 ? byRank : a.Order.CompareTo(b.Order);
        }
    }

    /// <summary>Orders a member's shortlist so the worst entry is evicted first.</summary>
    private sealed class WorstFirst : IComparer<(double Key, int Rank)>
    {
        public static readonly WorstFirst Instance = new();

        public int Compare((double Key, int Rank) a, (double Key, int Rank) b)
        {
            var byKey = a.Key.CompareTo(b.Key);
            return byKey != 0 ? byKey : b.Rank.CompareTo(a.Rank);
        }
    }
}
