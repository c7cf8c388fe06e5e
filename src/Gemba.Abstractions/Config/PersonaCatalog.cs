using Tomlyn.Syntax;

namespace Gemba.Config;

/// <summary>
/// The native persona definitions (<c>.gemba/personas/*.toml</c>). A broken file still lists its
/// id: the persona exists for routing even when its details cannot be read.
/// </summary>
/// <param name="Missing">The directory does not exist (a fresh install), as opposed to existing but empty.</param>
public sealed record PersonaCatalog(IReadOnlyList<PersonaInfo> Personas, IReadOnlyList<ConfigFinding> Findings, string Dir, bool Missing)
{
    public IReadOnlySet<string> Ids => Personas.Select(p => p.Id).ToHashSet(StringComparer.Ordinal);

    public static PersonaCatalog Load(string dir)
    {
        if (!Directory.Exists(dir))
            return new PersonaCatalog([], [], dir, Missing: true);

        var personas = new List<PersonaInfo>();
        var findings = new List<ConfigFinding>();
        foreach (var file in Directory.EnumerateFiles(dir, "*.toml"))
        {
            var id = Path.GetFileNameWithoutExtension(file);
            string text;
            try
            {
                text = File.ReadAllText(file);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                findings.Add(new ConfigFinding(file, 0, 0, FindingSeverity.Warning, $"persona file unreadable: {e.Message}; skipped"));
                continue;
            }
            personas.Add(Read(id, TomlSource.Parse(text, file), findings));
        }
        return new PersonaCatalog([.. personas.OrderBy(p => p.Id, StringComparer.Ordinal)], findings, dir, Missing: false);
    }

    private static PersonaInfo Read(string id, TomlSource source, List<ConfigFinding> findings)
    {
        var errors = source.Findings.Where(f => f.Severity == FindingSeverity.Error).ToList();
        if (errors.Count > 0)
        {
            var first = errors[0];
            findings.Add(first with { Severity = FindingSeverity.Warning, Message = $"persona file does not parse, listed by id only: {first.Message}" });
            return new PersonaInfo(id, id, null, [], null);
        }

        // [persona] values win over top-level ones: read top-level first, then let the table overwrite.
        var values = new Dictionary<string, TomlItem>(StringComparer.Ordinal);
        foreach (var item in source.Items.Where(i => i.Kind == TomlItemKind.Value && i.Path.Count == 1))
            values[item.Path[0]] = item;
        foreach (var item in source.Items.Where(i => i.Kind == TomlItemKind.Value && i.Path is ["persona", _]))
            values[item.Path[1]] = item;

        string? Text(string key)
        {
            if (!values.TryGetValue(key, out var item))
                return null;
            if (item.Value is StringValueSyntax s)
                return s.Value;
            findings.Add(source.Finding(item.ValueAt, FindingSeverity.Warning, $"{key}: expected a string, found {TomlText.Describe(item.Value!)}; ignored"));
            return null;
        }

        IReadOnlyList<string> skills = [];
        if (values.TryGetValue("skills", out var skillsItem))
        {
            if (skillsItem.Value is ArraySyntax array && array.Items.All(a => a.Value is StringValueSyntax))
                skills = [.. array.Items.Select(a => ((StringValueSyntax)a.Value!).Value ?? "")];
            else
                findings.Add(source.Finding(skillsItem.ValueAt, FindingSeverity.Warning, $"skills: expected an array of strings, found {TomlText.Describe(skillsItem.Value!)}; ignored"));
        }

        var name = Text("name");
        return new PersonaInfo(id, string.IsNullOrEmpty(name) ? id : name, Text("agent_type"), skills, Text("prompt"));
    }
}
