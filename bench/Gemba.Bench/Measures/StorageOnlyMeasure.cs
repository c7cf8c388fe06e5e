using System.Diagnostics;
using Gemba.Bench.Harness;
using Gemba.Silo.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gemba.Bench.Measures;

/// <summary>
/// Row 4 diagnosis: the grain storage provider alone (no Orleans scheduling), writing a small
/// state from 32 concurrent writers, one per grain, as sessions do. Each write opens a pooled
/// connection, applies pragmas and runs one ETag-checked statement; compare with the probe's
/// single prepared connection.
/// </summary>
internal static class StorageOnlyMeasure
{
    public sealed record ProbeState(int Count, List<string> Members);

    public static async Task RunAsync(bool quick, string directory, ResultTable table)
    {
        var storage = new SqliteGrainStorage("bench", new SqliteGrainStorageOptions { DatabasePath = Path.Combine(directory, "storage-only.db"), GrainStorageSerializer = GembaStateFormat.CreateSerializer() },
            NullLogger<SqliteGrainStorage>.Instance);
        var perWriter = quick ? 50 : 200;
        const int writers = 32;
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            var state = new GrainState<ProbeState> { State = new ProbeState(0, ["a", "b"]) };
            var id = GrainId.Create("session", $"bench-{w}");
            for (var i = 0; i < perWriter; i++)
            {
                state.State = state.State with { Count = i };
                await storage.WriteStateAsync("session", id, state);
            }
        })));
        watch.Stop();
        table.Add(Row.Info("4. (diagnosis) SqliteGrainStorage alone, 32 concurrent writers",
            $"{Row.F(writers * perWriter / watch.Elapsed.TotalSeconds)} writes/s", $"{writers * perWriter:N0} ETag-checked upserts; no Orleans"));
    }
}
