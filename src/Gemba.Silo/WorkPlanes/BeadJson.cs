using System.Globalization;
using System.Text.Json;
using Gemba.Beads;

namespace Gemba.Silo.WorkPlanes;

/// <summary>
/// Reads one beads issue object (reference §1.1) into a <see cref="Bead"/>. Lenient by design: the
/// beads schema grows without a version bump, so unknown keys are ignored and a value of an
/// unexpected type falls back to the default instead of failing the whole bead. Only a missing id
/// makes an object unusable.
/// </summary>
internal static class BeadJson
{
    public static bool TryParse(JsonElement obj, out Bead bead, out string? error)
    {
        bead = null!;
        if (obj.ValueKind != JsonValueKind.Object)
        {
            error = $"expected a JSON object, got {obj.ValueKind}";
            return false;
        }
        var id = GetString(obj, "id");
        if (string.IsNullOrWhiteSpace(id))
        {
            error = "missing id";
            return false;
        }

        var dependencies = ReadDependencies(obj);
        // List-like commands may carry only the computed "parent"; keep the edge authoritative but
        // don't lose the parent when the edge list is absent.
        if (GetString(obj, "parent") is { Length: > 0 } parent
            && !dependencies.Any(d => d.Type == DependencyTypes.ParentChild))
        {
            dependencies.Add(new BeadDependency(parent, DependencyTypes.ParentChild));
        }

        bead = new Bead
        {
            Id = id,
            Title = GetString(obj, "title") ?? "",
            Description = GetString(obj, "description") ?? "",
            Status = GetString(obj, "status") is { Length: > 0 } status ? status : BeadStatus.Open,
            Priority = ReadPriority(obj),
            IssueType = GetString(obj, "issue_type") is { Length: > 0 } type ? type : BeadKinds.Task,
            Assignee = GetString(obj, "assignee") is { Length: > 0 } assignee ? assignee : null,
            Labels = ReadLabels(obj),
            Dependencies = dependencies,
            Metadata = ReadMetadata(obj),
            CreatedAt = GetTime(obj, "created_at"),
            UpdatedAt = GetTime(obj, "updated_at"),
            StartedAt = GetTime(obj, "started_at"),
            ClosedAt = GetTime(obj, "closed_at"),
            DeferUntil = GetTime(obj, "defer_until"),
            Pinned = GetBool(obj, "pinned"),
            Ephemeral = GetBool(obj, "ephemeral"),
        };
        error = null;
        return true;
    }

    public static string? GetString(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static bool GetBool(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.True;

    private static DateTimeOffset? GetTime(JsonElement obj, string name)
    {
        if (!obj.TryGetProperty(name, out var value) || value.ValueKind != JsonValueKind.String) return null;
        // RFC 3339 is the norm and has a fast path; anything else gets the lenient parser.
        if (value.TryGetDateTimeOffset(out var time)) return time;
        return value.GetString() is { Length: > 0 } text
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out time)
                ? time
                : null;
    }

    private static int ReadPriority(JsonElement obj)
    {
        if (!obj.TryGetProperty("priority", out var value)) return 2;
        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number)) return number;
        // The CLI accepts "P0".."P4" on input; tolerate it in data too.
        if (value.ValueKind == JsonValueKind.String && value.GetString() is { } text)
        {
            var digits = text.StartsWith('P') || text.StartsWith('p') ? text[1..] : text;
            if (int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out number)) return number;
        }
        return 2;
    }

    private static IReadOnlyList<string> ReadLabels(JsonElement obj)
    {
        if (!obj.TryGetProperty("labels", out var value) || value.ValueKind != JsonValueKind.Array) return [];
        var labels = new List<string>(value.GetArrayLength());
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind == JsonValueKind.String && item.GetString() is { Length: > 0 } label) labels.Add(label);
        }
        labels.Sort(StringComparer.Ordinal);
        return labels;
    }

    private static List<BeadDependency> ReadDependencies(JsonElement obj)
    {
        var result = new List<BeadDependency>();
        if (!obj.TryGetProperty("dependencies", out var value) || value.ValueKind != JsonValueKind.Array) return result;
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object) continue;
            // Edge record (ready/list/export) or, in `bd show`, the full depended-on issue plus dependency_type.
            var target = GetString(item, "depends_on_id") ?? GetString(item, "id");
            var type = GetString(item, "type") ?? GetString(item, "dependency_type") ?? DependencyTypes.Blocks;
            if (string.IsNullOrEmpty(target)) continue;
            result.Add(new BeadDependency(target, type));
        }
        return result;
    }

    private static IReadOnlyDictionary<string, string> ReadMetadata(JsonElement obj)
    {
        if (!obj.TryGetProperty("metadata", out var value)) return Empty;
        if (value.ValueKind == JsonValueKind.String)
        {
            // Some writers store metadata as a JSON string holding the object.
            try
            {
                using var inner = JsonDocument.Parse(value.GetString() ?? "");
                return ReadMetadataObject(inner.RootElement);
            }
            catch (JsonException)
            {
                return Empty;
            }
        }
        return ReadMetadataObject(value);
    }

    private static IReadOnlyDictionary<string, string> ReadMetadataObject(JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Object) return Empty;
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var property in value.EnumerateObject())
        {
            result[property.Name] = property.Value.ValueKind == JsonValueKind.String
                ? property.Value.GetString() ?? ""
                : property.Value.GetRawText();
        }
        return result;
    }

    private static readonly IReadOnlyDictionary<string, string> Empty = new Dictionary<string, string>();
}
