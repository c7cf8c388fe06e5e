using System.Text.Json.Nodes;

namespace Gemba.Bench.Stack;

/// <summary>
/// Beads-format JSONL lines for the benchmark workspaces. Every bead runs the mock plane's
/// <c>noop</c> template and carries concepts and one file of its own, so member profiles grow as
/// they would in real use but no two beads conflict.
/// </summary>
internal static class BeadLines
{
    private static readonly string[] Areas = ["auth", "billing", "search", "ui", "infra", "docs", "api", "db", "mail", "cache"];
    private const string Created = "2026-01-01T09:00:00Z";

    /// <summary>An open bead for <paramref name="persona"/>, blocked by <paramref name="gate"/> until that closes; the mock agent works on it for <paramref name="durationMs"/> (0 = the plane default, here 0).</summary>
    public static string Work(string id, string persona, int n, string? gate, int durationMs = 0)
    {
        var area = Areas[n % Areas.Length];
        var duration = durationMs > 0 ? $"duration_ms: {durationMs}\n" : "";
        var description = $"---\ntemplate: noop\n{duration}persona: {persona}\nconcepts: {area}, {area}-{n % 7}\nfiles: src/{area}/{id}.ts\n---\nBenchmark bead {id}.";
        var bead = Base(id, $"Benchmark bead {id}", "open", description);
        bead["labels"] = new JsonArray(area, "bench");
        if (gate is not null)
            bead["dependencies"] = new JsonArray(new JsonObject { ["issue_id"] = id, ["depends_on_id"] = gate, ["type"] = "blocks" });
        return bead.ToJsonString();
    }

    /// <summary>A bead held (in progress) by a non-gemba actor; closing it through the work plane releases its dependents.</summary>
    public static string Gate(string id, string holder)
    {
        var bead = Base(id, $"Benchmark gate {id}", "in_progress", "Held by the benchmark; closing it makes its dependents ready.");
        bead["assignee"] = holder;
        return bead.ToJsonString();
    }

    private static JsonObject Base(string id, string title, string status, string description) => new()
    {
        ["_type"] = "issue",
        ["id"] = id,
        ["title"] = title,
        ["description"] = description,
        ["status"] = status,
        ["priority"] = 2,
        ["issue_type"] = "task",
        ["created_at"] = Created,
        ["updated_at"] = Created,
    };
}
