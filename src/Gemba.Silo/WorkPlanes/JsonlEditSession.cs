using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gemba.Beads;

namespace Gemba.Silo.WorkPlanes;

/// <summary>
/// A batch of edits against one freshly read <see cref="JsonlFile"/>. Each edit works on the bead's
/// own JSON object, so keys gemba does not model survive; later edits in the batch see earlier ones.
/// </summary>
internal sealed class JsonlEditSession
{
    private static readonly JsonSerializerOptions WriteOptions = new()
    {
        // keep non-ASCII titles readable and byte-stable instead of \u-escaping them
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private readonly JsonlFile _file;
    private readonly Dictionary<string, Bead> _beads;
    private readonly Dictionary<int, JsonObject> _edited = [];
    private readonly Dictionary<int, Bead> _editedBeads = [];

    public JsonlEditSession(JsonlFile file, DateTimeOffset now)
    {
        _file = file;
        Now = now;
        _beads = file.Beads.ToDictionary(b => b.Id, StringComparer.Ordinal);
    }

    public DateTimeOffset Now { get; }

    public string NowText => FormatTime(Now);

    public bool HasChanges => _edited.Count > 0;

    public Bead? Find(string id) => _beads.GetValueOrDefault(id);

    public void Edit(string id, Action<JsonObject> change)
    {
        var index = _file.LineById[id];
        if (!_edited.TryGetValue(index, out var node))
        {
            node = JsonNode.Parse(_file.LineText(index))!.AsObject();
            _edited[index] = node;
        }
        change(node);
        using var document = JsonDocument.Parse(node.ToJsonString(WriteOptions));
        if (BeadJson.TryParse(document.RootElement, out var bead, out _))
        {
            _beads[id] = bead;
            _editedBeads[index] = bead;
        }
    }

    public IReadOnlyDictionary<int, string> Replacements() =>
        _edited.ToDictionary(e => e.Key, e => e.Value.ToJsonString(WriteOptions));

    /// <summary>The bead each edited line now defines, by line index.</summary>
    public IReadOnlyDictionary<int, Bead> EditedBeads => _editedBeads;

    /// <summary>RFC 3339 UTC, as bd writes timestamps.</summary>
    public static string FormatTime(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);
}
