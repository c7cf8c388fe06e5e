using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gemba.Beads;

namespace Gemba.Silo.WorkPlanes;

/// <summary>
/// A batch of edits against one freshly read <see cref="JsonlFile"/>. Each edit works on the bead's
/// own JSON object, so keys gemba does not model survive; later edits in the batch see earlier ones.
/// Edits are pure functions of the session, so a batch can be applied again to a fresher read.
/// </summary>
internal sealed class JsonlEditSession
{
    public static readonly JsonSerializerOptions WriteOptions = new()
    {
        // keep non-ASCII titles readable and byte-stable instead of \u-escaping them
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private readonly JsonlFile _file;
    private readonly Dictionary<string, Bead> _beads;
    private readonly Dictionary<int, JsonObject> _edited = [];
    private readonly Dictionary<int, Bead> _editedBeads = [];
    private readonly List<byte[]> _appended = [];
    private readonly HashSet<int> _removed = [];

    /// <param name="mustWrite">The file already differs from what is on disk (lines put back by a rebase): write it even if no edit follows.</param>
    public JsonlEditSession(JsonlFile file, DateTimeOffset now, bool mustWrite = false)
    {
        _file = file;
        Now = now;
        _mustWrite = mustWrite;
        _beads = file.Beads.ToDictionary(b => b.Id, StringComparer.Ordinal);
    }

    private readonly bool _mustWrite;

    public JsonlFile File => _file;

    public DateTimeOffset Now { get; }

    public string NowText => FormatTime(Now);

    public bool HasChanges => _mustWrite || _edited.Count > 0 || _appended.Count > 0 || _removed.Count > 0;

    public Bead? Find(string id) => _beads.GetValueOrDefault(id);

    /// <summary>The line that defines bead <paramref name="id"/> as the file has it (before this session's edits).</summary>
    public string? LineTextOf(string id) =>
        _file.LineById.TryGetValue(id, out var index) ? _file.LineText(index) : null;

    public void Edit(string id, Action<JsonObject> change)
    {
        var index = _file.LineById[id];
        if (!_edited.TryGetValue(index, out var node))
        {
            node = JsonNode.Parse(_file.LineText(index))!.AsObject();
            _edited[index] = node;
        }
        change(node);
        Reread(id, index, node);
    }

    /// <summary>Replaces bead <paramref name="id"/>'s whole line (a version gemba wrote before).</summary>
    public void ReplaceLine(string id, string text)
    {
        var index = _file.LineById[id];
        var node = JsonNode.Parse(text)!.AsObject();
        _edited[index] = node;
        Reread(id, index, node);
    }

    /// <summary>Raw bytes to add after the last line (lines another program appended elsewhere).</summary>
    public void Append(byte[] bytes)
    {
        if (bytes.Length > 0) _appended.Add(bytes);
    }

    /// <summary>Drops a line that is an exact copy of a later line of the same bead.</summary>
    public void RemoveRedundantCopies()
    {
        foreach (var index in _file.RedundantCopies())
            if (!_edited.ContainsKey(index)) _removed.Add(index);
    }

    private void Reread(string id, int index, JsonObject node)
    {
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

    public IReadOnlyList<byte[]> Appended => _appended;

    /// <summary>The file as this session leaves it.</summary>
    public byte[] Render() => _file.Render(Replacements(), _appended, _removed);

    /// <summary>The parse of <see cref="Render"/>'s output, reusing the untouched lines.</summary>
    public JsonlFile Rendered(byte[] rendered) =>
        _appended.Count > 0 || _removed.Count > 0 ? JsonlFile.Parse(rendered, _file.DisplayName) : _file.WithEditedLines(rendered, _editedBeads);

    /// <summary>RFC 3339 UTC, as bd writes timestamps.</summary>
    public static string FormatTime(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);
}
