using System.Globalization;
using System.Text.Json;
using Gemba.Beads;

namespace Gemba.Silo.WorkPlanes;

/// <summary>
/// Reads one beads issue object (reference §1.1) into a <see cref="Bead"/>. Unknown keys are
/// ignored (the schema grows without a version bump) and an absent or null key takes bd's default,
/// but a key gemba reads that holds the wrong kind of value (<c>"priority":"high"</c>, labels that
/// are not an array, a timestamp that is not one) makes the whole object unusable, with an error
/// naming the key: guessing a default there would dispatch a bead its author did not describe.
/// </summary>
internal static class BeadJson
{
    public static bool TryParse(JsonElement obj, out Bead bead, out string? error)
    {
        bead = null!;
        if (obj.ValueKind != JsonValueKind.Object)
        {
            error = $"expected a JSON object, got {Describe(obj)}";
            return false;
        }
        error = null;
        var id = ReadString(obj, "id", ref error);
        if (error is null && string.IsNullOrWhiteSpace(id)) error = "missing id";

        var title = ReadString(obj, "title", ref error);
        var description = ReadString(obj, "description", ref error);
        var status = ReadString(obj, "status", ref error);
        var priority = ReadPriority(obj, ref error);
        var issueType = ReadString(obj, "issue_type", ref error);
        var assignee = ReadString(obj, "assignee", ref error);
        var labels = ReadLabels(obj, ref error);
        var dependencies = ReadDependencies(obj, ref error);
        var parent = ReadString(obj, "parent", ref error);
        var metadata = ReadMetadata(obj, ref error);
        var createdAt = ReadTime(obj, "created_at", ref error);
        var updatedAt = ReadTime(obj, "updated_at", ref error);
        var startedAt = ReadTime(obj, "started_at", ref error);
        var closedAt = ReadTime(obj, "closed_at", ref error);
        var deferUntil = ReadTime(obj, "defer_until", ref error);
        var pinned = ReadBool(obj, "pinned", ref error);
        var ephemeral = ReadBool(obj, "ephemeral", ref error);
        if (error is not null) return false;

        // List-like commands may carry only the computed "parent"; keep the edge authoritative but
        // don't lose the parent when the edge list is absent.
        if (parent is { Length: > 0 } && !dependencies.Any(d => d.Type == DependencyTypes.ParentChild))
            dependencies.Add(new BeadDependency(parent, DependencyTypes.ParentChild));

        bead = new Bead
        {
            Id = id!,
            Title = title ?? "",
            Description = description ?? "",
            Status = status is { Length: > 0 } ? status : BeadStatus.Open,
            Priority = priority,
            IssueType = issueType is { Length: > 0 } ? issueType : BeadKinds.Task,
            Assignee = assignee is { Length: > 0 } ? assignee : null,
            Labels = labels,
            Dependencies = dependencies,
            Metadata = metadata,
            CreatedAt = createdAt,
            UpdatedAt = updatedAt,
            StartedAt = startedAt,
            ClosedAt = closedAt,
            DeferUntil = deferUntil,
            Pinned = pinned,
            Ephemeral = ephemeral,
        };
        return true;
    }

    /// <summary>A string-valued key, or null when it is absent or not a string (for envelopes and record kinds).</summary>
    public static string? GetString(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static bool TryGet(JsonElement obj, string name, out JsonElement value) =>
        obj.TryGetProperty(name, out value) && value.ValueKind != JsonValueKind.Null;

    private static string? ReadString(JsonElement obj, string name, ref string? error)
    {
        if (!TryGet(obj, name, out var value)) return null;
        if (value.ValueKind == JsonValueKind.String) return value.GetString();
        error ??= $"\"{name}\" must be a string, got {Describe(value)}";
        return null;
    }

    private static bool ReadBool(JsonElement obj, string name, ref string? error)
    {
        if (!TryGet(obj, name, out var value)) return false;
        if (value.ValueKind is JsonValueKind.True or JsonValueKind.False) return value.ValueKind == JsonValueKind.True;
        error ??= $"\"{name}\" must be true or false, got {Describe(value)}";
        return false;
    }

    private static DateTimeOffset? ReadTime(JsonElement obj, string name, ref string? error)
    {
        if (!TryGet(obj, name, out var value)) return null;
        if (value.ValueKind != JsonValueKind.String)
        {
            error ??= $"\"{name}\" must be an RFC 3339 timestamp string, got {Describe(value)}";
            return null;
        }
        // RFC 3339 is the norm and has a fast path; anything else gets the lenient parser.
        if (value.TryGetDateTimeOffset(out var time)) return time;
        var text = value.GetString();
        if (string.IsNullOrEmpty(text)) return null;
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out time)) return time;
        error ??= $"\"{name}\" is not a timestamp: \"{Clip(text)}\"";
        return null;
    }

    private static int ReadPriority(JsonElement obj, ref string? error)
    {
        if (!TryGet(obj, "priority", out var value)) return 2;
        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number)) return number;
        // The CLI accepts "P0".."P4" on input; tolerate it in data too.
        if (value.ValueKind == JsonValueKind.String && value.GetString() is { } text)
        {
            var digits = text.StartsWith('P') || text.StartsWith('p') ? text[1..] : text;
            if (int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out number)) return number;
        }
        error ??= $"\"priority\" must be an integer (or \"P0\"..\"P4\"), got {Describe(value)}";
        return 2;
    }

    private static IReadOnlyList<string> ReadLabels(JsonElement obj, ref string? error)
    {
        if (!TryGet(obj, "labels", out var value)) return [];
        if (value.ValueKind != JsonValueKind.Array)
        {
            error ??= $"\"labels\" must be an array of strings, got {Describe(value)}";
            return [];
        }
        var labels = new List<string>(value.GetArrayLength());
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String)
            {
                error ??= $"\"labels\" must be an array of strings, found {Describe(item)}";
                return [];
            }
            if (item.GetString() is { Length: > 0 } label) labels.Add(label);
        }
        labels.Sort(StringComparer.Ordinal);
        return labels;
    }

    private static List<BeadDependency> ReadDependencies(JsonElement obj, ref string? error)
    {
        var result = new List<BeadDependency>();
        if (!TryGet(obj, "dependencies", out var value)) return result;
        if (value.ValueKind != JsonValueKind.Array)
        {
            error ??= $"\"dependencies\" must be an array, got {Describe(value)}";
            return result;
        }
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object)
            {
                error ??= $"\"dependencies\" must hold objects, found {Describe(item)}";
                return result;
            }
            // Edge record (ready/list/export) or, in `bd show`, the full depended-on issue plus dependency_type.
            var target = ReadString(item, "depends_on_id", ref error) ?? ReadString(item, "id", ref error);
            var type = ReadString(item, "type", ref error) ?? ReadString(item, "dependency_type", ref error) ?? DependencyTypes.Blocks;
            if (error is not null)
            {
                error = $"in \"dependencies\": {error}";
                return result;
            }
            if (string.IsNullOrEmpty(target)) continue;
            result.Add(new BeadDependency(target, type));
        }
        return result;
    }

    private static IReadOnlyDictionary<string, string> ReadMetadata(JsonElement obj, ref string? error)
    {
        if (!TryGet(obj, "metadata", out var value)) return Empty;
        if (value.ValueKind == JsonValueKind.String)
        {
            // Some writers store metadata as a JSON string holding the object.
            var text = value.GetString();
            if (string.IsNullOrWhiteSpace(text)) return Empty;
            try
            {
                using var inner = JsonDocument.Parse(text);
                if (inner.RootElement.ValueKind == JsonValueKind.Object) return ReadMetadataObject(inner.RootElement);
            }
            catch (JsonException)
            {
            }
            error ??= "\"metadata\" must be a JSON object (or a string holding one)";
            return Empty;
        }
        if (value.ValueKind == JsonValueKind.Object) return ReadMetadataObject(value);
        error ??= $"\"metadata\" must be a JSON object, got {Describe(value)}";
        return Empty;
    }

    private static Dictionary<string, string> ReadMetadataObject(JsonElement value)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var property in value.EnumerateObject())
        {
            result[property.Name] = property.Value.ValueKind == JsonValueKind.String
                ? property.Value.GetString() ?? ""
                : property.Value.GetRawText();
        }
        return result;
    }

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => $"\"{Clip(value.GetString() ?? "")}\"",
        JsonValueKind.Number => $"the number {Clip(value.GetRawText())}",
        JsonValueKind.True or JsonValueKind.False => value.GetRawText(),
        JsonValueKind.Array => "an array",
        JsonValueKind.Object => "an object",
        _ => value.ValueKind.ToString().ToLowerInvariant(),
    };

    private static string Clip(string text) => text.Length > 40 ? text[..40] + "…" : text;

    private static readonly IReadOnlyDictionary<string, string> Empty = new Dictionary<string, string>();
}
