using Gemba.Config;
using Gemba.Grains.Dispatch;
using Gemba.Grains.Sessions;
using Gemba.Pools;
using Gemba.Sessions;

namespace Gemba.Bench.Measures;

/// <summary>
/// Seeded planner input at scale: clustered concepts, files (single paths and globs), some
/// repositories/branches, members with 0–3 beads of history, a quarter of them busy, a few beads
/// with no persona, ages spread over 90 minutes (some starve past the 30-minute limit).
/// </summary>
internal static class SyntheticPlan
{
    private static readonly string[] Areas = ["auth", "billing", "search", "ui", "infra", "docs", "api", "db", "mail", "cache"];
    public static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    public static PlanInput Create(int seed, int pools, int membersPerPool, int beads, int inProgress = 200)
    {
        var rng = new Random(seed);
        BeadTraits Bead(string id)
        {
            var area = Areas[rng.Next(Areas.Length)];
            string[] concepts = [.. new[] { area, area + "-" + rng.Next(4), Areas[rng.Next(Areas.Length)] }.Distinct()];
            string[] files = rng.Next(3) switch
            {
                0 => [],
                1 => [$"src/{area}/f{rng.Next(200)}.ts"],
                _ => [$"src/{area}/m{rng.Next(40)}/**"],
            };
            var repo = rng.Next(4) == 0 ? "acme/" + area : null;
            return new BeadTraits(id, id, "task", rng.Next(4), null, null, concepts, files,
                repo, repo is null ? null : "b" + rng.Next(30), null, new Dictionary<string, string>());
        }

        var personas = Enumerable.Range(0, pools).Select(i => $"p{i}").ToArray();
        var poolInputs = personas.Select(persona =>
        {
            var size = membersPerPool + rng.Next(3);
            var config = new ResolvedPool(PoolKey.LocalScope, persona, "claude", size, size, 0.5,
                rng.Next(2) == 0 ? 6 : -1, 30, 0, rng.Next(3) == 0 ? size - 2 : 0, false);
            var members = Enumerable.Range(0, membersPerPool).Select(m =>
            {
                var profile = AffinityProfile.Empty;
                for (var h = rng.Next(4); h > 0; h--) profile = ProfileBuilder.AfterBead(profile, Bead($"{persona}-h{m}-{h}"), Now.AddMinutes(-15));
                var busy = rng.Next(4) == 0;
                var since = rng.Next(8);
                return new MemberSummary($"{persona}-s{m:000}", new PoolKey(PoolKey.LocalScope, persona),
                    busy ? SessionStatus.Working : SessionStatus.Ready, busy ? $"busy-{persona}-{m}" : null, null,
                    since, since, 1, profile, Now.AddHours(-5), Now.AddMinutes(-20), null, null, null, null);
            }).ToList();
            return new PoolInput(config, members);
        }).ToList();

        var ready = Enumerable.Range(0, beads)
            .Select(i => new ReadyCandidate(Bead($"gm-{i}"), rng.Next(20) == 0 ? null : personas[rng.Next(pools)], Now.AddMinutes(-rng.Next(90))))
            .ToList();
        var held = Enumerable.Range(0, inProgress).Select(i => Bead($"gm-held-{i}")).ToList();
        return new PlanInput(PoolKey.LocalScope, Now, poolInputs, ready, held, PlannerOptions.Default);
    }
}
