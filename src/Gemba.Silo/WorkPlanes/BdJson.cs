using System.Text.Json;
using Gemba.Beads;
using Gemba.WorkPlanes;

namespace Gemba.Silo.WorkPlanes;

/// <summary>Defensive reading of <c>bd --json</c> output (reference §2.1, §2.3).</summary>
internal static class BdJson
{
    /// <summary>Unwraps the v2 envelope <c>{"schema_version":..,"data":..}</c> when present.</summary>
    public static JsonElement Unwrap(JsonElement root) =>
        root.ValueKind == JsonValueKind.Object
        && root.TryGetProperty("schema_version", out _)
        && root.TryGetProperty("data", out var data)
            ? data
            : root;

    /// <summary>
    /// The issues in a successful call's stdout (array, or a single object). Throws with the command
    /// line when stdout is not JSON or is a JSON error; elements without an id become problems.
    /// </summary>
    public static List<Bead> ReadBeads(BdResult result, List<WorkPlaneProblem>? problems)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(result.StandardOutput);
        }
        catch (JsonException ex)
        {
            var preview = result.StandardOutput.Length > 80 ? result.StandardOutput[..80] + "…" : result.StandardOutput;
            throw new BdCommandException(result.Describe($"printed output that is not JSON ({ex.Message.Split(" Path:")[0]}; stdout starts \"{preview.Trim()}\")"), ex);
        }

        using (document)
        {
            var root = Unwrap(document.RootElement);
            var beads = new List<Bead>();
            switch (root.ValueKind)
            {
                case JsonValueKind.Array:
                    var index = 0;
                    foreach (var item in root.EnumerateArray())
                    {
                        if (BeadJson.TryParse(item, out var bead, out var error)) beads.Add(bead);
                        else problems?.Add(new WorkPlaneProblem($"{result.CommandLine}[{index}]", error ?? "unreadable issue"));
                        index++;
                    }
                    break;
                case JsonValueKind.Object when BeadJson.GetString(root, "error") is { } message:
                    throw new BdCommandException(result.Describe($"reported an error: {message}"));
                case JsonValueKind.Object:
                    if (BeadJson.TryParse(root, out var single, out var singleError)) beads.Add(single);
                    else throw new BdCommandException(result.Describe($"printed an object that is not an issue ({singleError})"));
                    break;
                case JsonValueKind.Null:
                    break;
                default:
                    throw new BdCommandException(result.Describe($"printed JSON {root.ValueKind}, expected an array of issues"));
            }
            return beads;
        }
    }
}
