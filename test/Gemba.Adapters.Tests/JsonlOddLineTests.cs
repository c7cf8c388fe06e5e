using System.Text;
using Gemba.Silo.WorkPlanes;
using Gemba.WorkPlanes;
using Microsoft.Extensions.Time.Testing;

namespace Gemba.Adapters.Tests;

/// <summary>Lines that read as JSON but cannot be used as beads never stop the others.</summary>
public sealed class JsonlOddLineTests : IDisposable
{
    private static readonly string[] Odd =
    [
        "{\"id\":\"odd-dup\",\"title\":\"twice\",\"status\":\"open\",\"status\":\"closed\"}",
        "{\"id\":\"odd-surrogate\",\"title\":\"half a pair \\ud800 here\",\"status\":\"open\"}",
        "{\"id\":\"odd-type\",\"title\":\"priority in words\",\"priority\":\"high\"}",
        "{\"id\":\"odd-labels\",\"title\":\"labels as text\",\"labels\":\"backend\"}",
        "{\"id\":\"odd-nested\",\"title\":\"nested duplicate\",\"metadata\":{\"k\":1,\"k\":2}}",
    ];

    private readonly TempDirectory _dir = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 6, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly JsonlCapturingLogger _log = new();

    public void Dispose() => _dir.Dispose();

    private string FilePath => _dir.Combine(JsonlWorkPlane.FileName);

    private static string Good(int i) => $"{{\"id\":\"gm-{i}\",\"title\":\"Good {i}\",\"status\":\"open\",\"priority\":1}}";

    [Fact]
    public async Task Duplicate_keys_lone_surrogates_and_wrong_types_are_reported_once_by_line_and_kept_while_the_rest_works()
    {
        // good beads around every odd line: lines 1, 3, 5, 7, 9, 11 are good, 2, 4, 6, 8, 10 odd
        var lines = new List<string> { Good(0) };
        for (var i = 0; i < Odd.Length; i++)
        {
            lines.Add(Odd[i]);
            lines.Add(Good(i + 1));
        }
        await File.WriteAllTextAsync(FilePath, string.Join("\n", lines) + "\n");
        using var plane = new JsonlWorkPlane(_dir.Path, _time, _log);

        var snapshot = await plane.SnapshotAsync();
        Assert.Equal(Enumerable.Range(0, Odd.Length + 1).Select(i => $"gm-{i}"), snapshot.Beads.Select(b => b.Id));
        Assert.Equal(["issues.jsonl:2", "issues.jsonl:4", "issues.jsonl:6", "issues.jsonl:8", "issues.jsonl:10"], snapshot.Problems.Select(p => p.Where));
        Assert.Contains("duplicate key \"status\"", snapshot.Problems[0].Message);
        Assert.Contains("lone surrogate", snapshot.Problems[1].Message);
        Assert.Contains("\"title\"", snapshot.Problems[1].Message);
        Assert.Contains("\"priority\"", snapshot.Problems[2].Message);
        Assert.Contains("\"high\"", snapshot.Problems[2].Message);
        Assert.Contains("\"labels\" must be an array", snapshot.Problems[3].Message);
        Assert.Contains("duplicate key \"k\" in \"metadata\"", snapshot.Problems[4].Message);
        Assert.Equal(snapshot.Problems, plane.CurrentProblems);

        // every good bead claims and closes, in one concurrent burst and one by one
        await Task.WhenAll(snapshot.Beads.Select(b => Task.Run(async () =>
        {
            Assert.True((await plane.ClaimAsync(b.Id, "alice")).Succeeded);
            Assert.True(await plane.CloseAsync(b.Id, "alice", "done"));
        })));
        Assert.Equal(ClaimStatus.NotFound, (await plane.ClaimAsync("odd-dup", "alice")).Status);
        await plane.SnapshotAsync();
        await plane.SnapshotAsync();

        var after = (await File.ReadAllTextAsync(FilePath, Encoding.UTF8)).Split('\n');
        for (var i = 0; i < Odd.Length; i++) Assert.Equal(Odd[i], after[2 * i + 1]);
        Assert.All(Enumerable.Range(0, Odd.Length + 1), i => Assert.Contains("\"status\":\"closed\"", after[2 * i]));

        // each problem logged exactly once, with its line, across all those reads and rewrites
        var warnings = _log.Entries.Where(e => e.Message.StartsWith("issues.jsonl:", StringComparison.Ordinal)).Select(e => e.Message).ToList();
        Assert.Equal(Odd.Length, warnings.Count);
        foreach (var problem in snapshot.Problems) Assert.Single(warnings, w => w.StartsWith($"{problem.Where}: {problem.Message}", StringComparison.Ordinal));

        // a new problem is logged when it appears, the old ones are not repeated
        await File.AppendAllTextAsync(FilePath, "{not json\n");
        Assert.Contains((await plane.SnapshotAsync()).Problems, p => p.Where == "issues.jsonl:12");
        var later = _log.Entries.Count(e => e.Message.StartsWith("issues.jsonl:", StringComparison.Ordinal));
        Assert.Equal(Odd.Length + 1, later);
    }
}
