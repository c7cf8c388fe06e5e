using System.Globalization;
using System.Text.Json;

namespace Gemba.Silo.Orchestration.GasTown;

/// <summary>
/// Defensive reading of gt's <c>--json</c> output (reference §4.2): unknown fields are ignored,
/// numbers and booleans are accepted as strings too, and anything that is not JSON fails with the
/// command named.
/// </summary>
internal static class GtJson
{
    public static JsonDocument Parse(GtResult result)
    {
        try
        {
            return JsonDocument.Parse(result.Stdout);
        }
        catch (JsonException ex)
        {
            var text = result.Stdout.Trim();
            var preview = text.Length > 80 ? text[..80] + "…" : text;
            throw result.Fail($"printed output that is not JSON ({ex.Message.Split(" Path:")[0]}; stdout starts \"{preview}\")", ex);
        }
    }

    /// <summary>The elements of a JSON array; <c>null</c> counts as empty; any other shape fails naming <paramref name="what"/>.</summary>
    public static List<T> ReadArray<T>(GtResult result, string what, Func<JsonElement, T?> read) where T : class
    {
        using var document = Parse(result);
        var root = document.RootElement;
        switch (root.ValueKind)
        {
            case JsonValueKind.Null:
                return [];
            case JsonValueKind.Array:
                var items = new List<T>();
                foreach (var element in root.EnumerateArray())
                {
                    if (element.ValueKind == JsonValueKind.Object && read(element) is { } item) items.Add(item);
                }
                return items;
            case JsonValueKind.Object when GetString(root, "error") is { } error:
                throw result.Fail($"reported an error: {error}");
            default:
                throw result.Fail($"printed JSON {root.ValueKind}, expected an array of {what}");
        }
    }

    public static string? GetString(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    public static int GetInt(JsonElement element, string name)
    {
        if (!element.TryGetProperty(name, out var value)) return 0;
        return value.ValueKind switch
        {
            JsonValueKind.Number when value.TryGetInt32(out var number) => number,
            JsonValueKind.Number when value.TryGetDouble(out var real) => (int)Math.Clamp(real, int.MinValue, int.MaxValue),
            JsonValueKind.String when int.TryParse(value.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) => parsed,
            JsonValueKind.Array => value.GetArrayLength(),
            _ => 0,
        };
    }

    public static bool? GetBool(JsonElement element, string name)
    {
        if (!element.TryGetProperty(name, out var value)) return null;
        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.String when bool.TryParse(value.GetString(), out var parsed) => parsed,
            JsonValueKind.Number when value.TryGetInt32(out var number) => number != 0,
            _ => null,
        };
    }

    /// <summary>String elements of an array (objects contribute their <c>path</c> or <c>file</c>).</summary>
    public static List<string> GetStrings(JsonElement element, string name)
    {
        var list = new List<string>();
        if (!element.TryGetProperty(name, out var value) || value.ValueKind != JsonValueKind.Array) return list;
        foreach (var item in value.EnumerateArray())
        {
            var text = item.ValueKind switch
            {
                JsonValueKind.String => item.GetString(),
                JsonValueKind.Object => GetString(item, "path") ?? GetString(item, "file"),
                _ => null,
            };
            if (!string.IsNullOrWhiteSpace(text)) list.Add(text);
        }
        return list;
    }

    public static GtRig? ReadRig(JsonElement element)
    {
        var name = GetString(element, "name");
        if (string.IsNullOrWhiteSpace(name)) return null;
        return new GtRig(
            name,
            GetString(element, "beads_prefix"),
            GetString(element, "status"),
            GetString(element, "witness"),
            GetString(element, "refinery"),
            GetInt(element, "polecats"),
            GetInt(element, "crew"));
    }

    public static GtPolecat? ReadPolecat(JsonElement element)
    {
        var rig = GetString(element, "rig");
        var name = GetString(element, "name");
        if (string.IsNullOrWhiteSpace(rig) || string.IsNullOrWhiteSpace(name)) return null;
        var issue = GetString(element, "issue");
        return new GtPolecat(rig, name, GetString(element, "state"), string.IsNullOrWhiteSpace(issue) ? null : issue,
            GetBool(element, "session_running") ?? false);
    }

    public static GtGitState ReadGitState(GtResult result)
    {
        using var document = Parse(result);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
            throw result.Fail($"printed JSON {root.ValueKind}, expected a git-state object");
        if (GetString(root, "error") is { } error) throw result.Fail($"reported an error: {error}");
        // No `clean` key: not known to be clean, so dirty (bead-done must not lose work).
        return new GtGitState(
            GetBool(root, "clean") ?? false,
            GetStrings(root, "uncommitted_files"),
            GetInt(root, "unpushed_commits"),
            GetInt(root, "stash_count"));
    }
}
