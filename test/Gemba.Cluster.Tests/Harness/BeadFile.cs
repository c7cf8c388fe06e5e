using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gemba.Silo.WorkPlanes;

namespace Gemba.Cluster.Tests.Harness;

/// <summary>A bead to write: the beads export format's fields, with frontmatter built from <see cref="Front"/>.</summary>
public sealed record BeadSpec(string Id, string Title)
{
    public string Type { get; init; } = "task";
    public int Priority { get; init; } = 2;
    public string Status { get; init; } = "open";
    public IReadOnlyList<string> Labels { get; init; } = [];
    /// <summary>Frontmatter lines (<c>files</c>, <c>repo</c>, <c>branch</c>, <c>concepts</c> ...).</summary>
    public IReadOnlyDictionary<string, string> Front { get; init; } = new Dictionary<string, string>();
    public IReadOnlyList<string> BlockedBy { get; init; } = [];
    /// <summary>The wrapper this bead is a child of (a parent-child edge).</summary>
    public string? Parent { get; init; }

    public string Description =>
        Front.Count == 0 ? $"Body of {Id}." : $"---\n{string.Join("\n", Front.Select(kv => $"{kv.Key}: {kv.Value}"))}\n---\nBody of {Id}.";
}

/// <summary>
/// Writes beads into <c>issues.jsonl</c> the way another tool would: under the work plane's own lock
/// file, as an atomic replace, so it never interleaves with a dispatcher's claim.
/// </summary>
internal sealed class BeadFile(string beadsDir, TimeProvider time)
{
    public string Directory { get; } = beadsDir;

    public string PathName => Path.Combine(Directory, JsonlWorkPlane.FileName);

    public async Task AddAsync(params BeadSpec[] beads)
    {
        using var _ = await ExclusiveFileLock.AcquireAsync(PathName + ".lock", TimeSpan.FromSeconds(10), CancellationToken.None);
        var existing = File.Exists(PathName) ? await File.ReadAllTextAsync(PathName) : "";
        var text = new StringBuilder(existing);
        if (text.Length > 0 && text[^1] != '\n') text.Append('\n');
        foreach (var bead in beads) text.Append(Render(bead)).Append('\n');
        var temp = Path.Combine(Directory, $".test-{Guid.NewGuid():N}.tmp");
        await File.WriteAllTextAsync(temp, text.ToString());
        File.Move(temp, PathName, overwrite: true);
    }

    /// <summary>Every bead line as JSON, read straight from the file (no cache).</summary>
    public IReadOnlyDictionary<string, JsonObject> ReadAll()
    {
        var result = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        if (!File.Exists(PathName)) return result;
        foreach (var line in File.ReadAllLines(PathName))
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            var node = JsonNode.Parse(line)!.AsObject();
            result[(string)node["id"]!] = node;
        }
        return result;
    }

    public JsonObject Get(string id) =>
        ReadAll().TryGetValue(id, out var bead) ? bead : throw new KeyNotFoundException($"bead {id} is not in {PathName}");

    public string StatusOf(string id) => (string?)Get(id)["status"] ?? "open";

    public string? AssigneeOf(string id) => (string?)Get(id)["assignee"];

    public IReadOnlyList<string> LabelsOf(string id) =>
        Get(id)["labels"] is JsonArray labels ? [.. labels.Select(l => (string)l!)] : [];

    private string Render(BeadSpec bead)
    {
        var node = new JsonObject
        {
            ["id"] = bead.Id,
            ["title"] = bead.Title,
            ["description"] = bead.Description,
            ["status"] = bead.Status,
            ["priority"] = bead.Priority,
            ["issue_type"] = bead.Type,
            ["labels"] = new JsonArray([.. bead.Labels.Select(l => (JsonNode?)JsonValue.Create(l))]),
            ["dependencies"] = new JsonArray([.. bead.BlockedBy.Select(b => (JsonNode?)new JsonObject
            {
                ["issue_id"] = bead.Id,
                ["depends_on_id"] = b,
                ["type"] = "blocks",
            }), .. (bead.Parent is { } parent
                ? [(JsonNode?)new JsonObject { ["issue_id"] = bead.Id, ["depends_on_id"] = parent, ["type"] = "parent-child" }]
                : Array.Empty<JsonNode?>())]),
            ["created_at"] = time.GetUtcNow().ToString("O"),
        };
        return node.ToJsonString(new JsonSerializerOptions { WriteIndented = false });
    }
}
