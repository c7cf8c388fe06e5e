using System.Threading.Channels;
using Gemba.Cluster.Tests.Harness;
using Gemba.Sessions;
using static Gemba.Cluster.Tests.Harness.GembaTestCluster;

namespace Gemba.Cluster.Tests;

public sealed class FailoverAndRaceTests
{
    private static BeadSpec Topic(string id, string topic, int priority = 2) => new(id, $"{topic} work {id}")
    {
        Priority = priority,
        Labels = [topic],
        Front = new Dictionary<string, string> { ["files"] = $"src/{topic}/{id}.cs" },
    };

    [Fact]
    public async Task Two_dispatchers_racing_over_one_beads_directory_claim_every_bead_exactly_once()
    {
        var beadsDir = NewTempPath("gemba-beads-race-");
        try
        {
            await using var left = await StartAsync(new ClusterSetup { BeadsDir = beadsDir });
            await using var right = await StartAsync(new ClusterSetup { BeadsDir = beadsDir });
            var ids = Enumerable.Range(1, 16).Select(i => $"race-{i:00}").ToArray();
            await left.Beads.AddAsync([.. ids.Select(id => Topic(id, "auth"))]);

            // Agents: each cluster's agents report every bead done as soon as they get it, once both
            // clusters have work (until then the first winner's pool fills up and the other must claim too).
            var bothHaveWork = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            void CheckBoth(Handover _)
            {
                if (left.Plane.Handovers.Count > 0 && right.Plane.Handovers.Count > 0) bothHaveWork.TrySetResult();
            }
            left.Plane.HandedOver += CheckBoth;
            right.Plane.HandedOver += CheckBoth;
            var agents = new[] { left, right }.Select(g => Agent(g, bothHaveWork.Task)).ToList();
            await Task.WhenAll(left.ApplyAsync(PoolConfig("dev", size: 3)), right.ApplyAsync(PoolConfig("dev", size: 3)));

            for (var round = 0; round < 400 && !left.AllClosed(ids); round++)
                await Task.WhenAll(left.RunCycleAsync(), right.RunCycleAsync());
            foreach (var (_, channel, _) in agents) channel.Writer.Complete();
            await Task.WhenAll(agents.Select(a => a.Loop));

            Assert.True(left.AllClosed(ids), "still open: " + string.Join(", ", ids.Where(id => left.Beads.StatusOf(id) != "closed")));
            var all = left.Plane.Handovers.Select(h => (Cluster: "left", h.BeadId, h.SessionId))
                .Concat(right.Plane.Handovers.Select(h => (Cluster: "right", h.BeadId, h.SessionId))).ToList();
            Assert.Equal(ids, all.Select(h => h.BeadId).Order(StringComparer.Ordinal));
            Assert.NotEmpty(left.Plane.Handovers);
            Assert.NotEmpty(right.Plane.Handovers);
            Assert.Empty(left.Plane.Violations);
            Assert.Empty(right.Plane.Violations);
            var file = left.Beads.ReadAll();
            foreach (var (_, beadId, sessionId) in all)
                Assert.Equal((sessionId, $"done by {sessionId}"), ((string?)file[beadId]["assignee"], (string?)file[beadId]["close_reason"]));
        }
        finally
        {
            DeleteShared(beadsDir);
        }

        static (GembaTestCluster Cluster, Channel<Handover> Channel, Task Loop) Agent(GembaTestCluster gemba, Task start)
        {
            var channel = Channel.CreateUnbounded<Handover>();
            gemba.Plane.HandedOver += h => channel.Writer.TryWrite(h);
            var loop = Task.Run(async () =>
            {
                await start.WaitAsync(DefaultTimeout);
                await foreach (var h in channel.Reader.ReadAllAsync()) await gemba.DoneAsync(h.SessionId, h.BeadId);
            });
            return (gemba, channel, loop);
        }
    }

    [Theory]
    [InlineData("dispatcher")]
    [InlineData("session")]
    public async Task A_silo_killed_in_the_middle_of_a_cycle_loses_no_bead_and_never_doubles_one(string hosting)
    {
        await using var gemba = await StartAsync();
        var ids = Enumerable.Range(1, 6).Select(i => $"kill-{i}").ToArray();
        await gemba.Beads.AddAsync([.. ids.Select((id, i) => Topic(id, "auth", priority: i == 0 ? 0 : 2))]);
        var gate = gemba.Plane.Block("kill-1");

        // The config's poke starts a cycle; its hand-over of kill-1 hangs in the orchestration plane.
        await gemba.ApplyAsync(PoolConfig("dev", size: 3));
        var stuck = await gate.Entered.WaitAsync(DefaultTimeout);

        // Kill the silo hosting the hung dispatcher, or the one hosting the session whose spawn hangs.
        var victimGrain = hosting == "dispatcher" ? gemba.Dispatcher.GetGrainId() : gemba.Session(stuck).GetGrainId();
        Assert.True(gemba.Cluster.TryGetGrainContext(victimGrain, out var context), $"the {hosting} is active while the cycle hangs");
        var victim = gemba.Cluster.Silos.Single(s => s.SiloAddress.Equals(context.Address.SiloAddress));
        await gemba.Cluster.KillSiloAsync(victim);
        await gemba.Cluster.WaitForLivenessToStabilizeAsync(didKill: true);
        gate.Release();

        await gemba.DrainAsync(ids);

        Assert.Single(gemba.Cluster.GetActiveSilos());
        Assert.True(gemba.Plane.Violations.Count == 0,
            $"killed the silo of the {hosting} ({victim.Name}); stuck session {stuck}\n{string.Join("\n", gemba.Plane.Violations)}\n{gemba.Describe()}");
        var file = gemba.Beads.ReadAll();
        foreach (var id in ids)
        {
            var handovers = gemba.Plane.Handovers.Where(h => h.BeadId == id).ToList();
            Assert.True(handovers.Count == 1, $"{id} handed over {handovers.Count} times: {string.Join(", ", handovers.Select(h => h.SessionId))}");
            Assert.Equal(("closed", $"done by {handovers[0].SessionId}"), ((string?)file[id]["status"], (string?)file[id]["close_reason"]));
        }
        Assert.Equal(stuck, gemba.Plane.Handovers.Single(h => h.BeadId == "kill-1").SessionId);
    }

    [Fact]
    public async Task Members_and_their_profiles_survive_a_full_cluster_restart()
    {
        var database = NewTempPath("gemba-db-restart-") + ".db";
        var beadsDir = NewTempPath("gemba-beads-restart-");
        try
        {
            string auth, billing;
            MemberSummary authBefore, billingBefore;
            await using (var first = await StartAsync(new ClusterSetup { DatabasePath = database, BeadsDir = beadsDir }))
            {
                await first.Beads.AddAsync(Topic("auth-1", "auth"), Topic("bill-1", "billing"));
                await first.ApplyAsync(PoolConfig("dev", size: 2));
                await first.RunCycleAsync();
                auth = (await first.HandoverOfAsync("auth-1")).SessionId;
                billing = (await first.HandoverOfAsync("bill-1")).SessionId;
                await first.DoneAsync(auth, "auth-1");
                await first.DoneAsync(billing, "bill-1");
                authBefore = await first.SummaryAsync(auth);
                billingBefore = await first.SummaryAsync(billing);
                await first.StopAsync();
            }

            await using var second = await StartAsync(new ClusterSetup { DatabasePath = database, BeadsDir = beadsDir });
            var view = await second.Pool("dev").GetView();
            Assert.Equal(new[] { auth, billing }.Order(StringComparer.Ordinal), view.Members.Select(m => m.SessionId).Order(StringComparer.Ordinal));
            foreach (var (id, before) in new[] { (auth, authBefore), (billing, billingBefore) })
            {
                var after = await second.SummaryAsync(id);
                Assert.Equal((SessionStatus.Ready, 1, before.LastBead), (after.Status, after.BeadsDone, after.LastBead));
                Assert.Equal(before.Profile.Concepts.OrderBy(c => c.Key), after.Profile.Concepts.OrderBy(c => c.Key));
                Assert.Equal(before.Profile.Files.OrderBy(c => c.Key), after.Profile.Files.OrderBy(c => c.Key));
                Assert.Equal(before.Profile.LastBeads.ToArray(), after.Profile.LastBeads.ToArray());
                Assert.False(after.Profile.IsEmpty);
            }
            var config = await second.Config.Get();
            Assert.Equal(("dev", 2, 1L), (config.Pools.Single().Persona, config.Pools.Single().SizeEffective, config.Version));

            // The restored cluster keeps using what it knew: the auth member takes the next auth bead.
            await second.Beads.AddAsync(Topic("auth-2", "auth"));
            await second.RunCycleAsync();
            var next = await second.HandoverOfAsync("auth-2");
            Assert.Equal((auth, false), (next.SessionId, next.Spawned));
        }
        finally
        {
            DeleteShared(database, beadsDir);
        }
    }
}
