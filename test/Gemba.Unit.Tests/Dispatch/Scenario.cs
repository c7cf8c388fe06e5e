using Gemba.Grains.Dispatch;
using Gemba.Sessions;
using static Gemba.Unit.Tests.Dispatch.Plans;

namespace Gemba.Unit.Tests.Dispatch;

/// <summary>Seeded random planner inputs: clustered concepts, files, branches and member histories.</summary>
internal static class Scenario
{
    private static readonly string[] Areas = ["auth", "billing", "search", "ui", "infra", "docs", "api", "db", "mail", "cache"];

    public static PlanInput Random(int seed, int pools, int membersPerPool, int beads, int inProgress = 20, double floor = 0.5)
    {
        var rng = new Random(seed);
        BeadTraits Bead(string id)
        {
            var area = Areas[rng.Next(Areas.Length)];
            var concepts = new[] { area, area + "-" + rng.Next(4), Areas[rng.Next(Areas.Length)] }.Distinct().ToArray();
            var files = rng.Next(3) switch
            {
                0 => Array.Empty<string>(),
                1 => [$"src/{area}/f{rng.Next(200)}.ts"],
                _ => [$"src/{area}/m{rng.Next(40)}/**"],
            };
            var repo = rng.Next(4) == 0 ? "acme/" + area : null;
            return Traits.Of(id, concepts, files, priority: rng.Next(4), repo: repo, branch: repo is null ? null : "b" + rng.Next(30));
        }

        var personas = Enumerable.Range(0, pools).Select(i => $"p{i}").ToArray();
        var poolInputs = personas.Select(persona =>
        {
            var size = membersPerPool + rng.Next(3);
            var config = Pool(size, persona: persona, floor: floor, recycleAfter: rng.Next(2) == 0 ? 6 : -1,
                maxConcurrent: rng.Next(3) == 0 ? size - 2 : 0);
            var members = Enumerable.Range(0, membersPerPool).Select(m =>
            {
                var history = Enumerable.Range(0, rng.Next(4)).Select(h => Bead($"{persona}-h{m}-{h}")).ToArray();
                var status = rng.Next(4) == 0 ? SessionStatus.Working : SessionStatus.Ready;
                return Member($"{persona}-s{m:000}", History(history), status, persona, beadsSinceRecycle: rng.Next(8));
            }).ToList();
            return new PoolInput(config, members);
        }).ToList();

        var ready = Enumerable.Range(0, beads)
            .Select(i => Ready(Bead($"gm-{i}"), rng.Next(20) == 0 ? null : personas[rng.Next(pools)], TimeSpan.FromMinutes(rng.Next(90))))
            .ToList();
        var held = Enumerable.Range(0, inProgress).Select(i => Bead($"gm-held-{i}")).ToList();
        return new PlanInput("local", Now, poolInputs, ready, held, PlannerOptions.Default);
    }
}
