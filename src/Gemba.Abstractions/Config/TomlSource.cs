using Tomlyn.Parsing;
using Tomlyn.Syntax;

namespace Gemba.Config;

internal enum TomlItemKind
{
    /// <summary>A <c>[header]</c>.</summary>
    Table,
    /// <summary><c>key = { ... }</c>; its members follow as their own items.</summary>
    InlineTable,
    /// <summary><c>key = value</c> with any non-table value.</summary>
    Value,
    /// <summary>One <c>[[header]]</c> element; its path ends with an <see cref="TomlSource.ArrayIndex"/> segment.</summary>
    TableArrayElement,
}

/// <summary>One definition in a TOML file, with its fully resolved dotted path.</summary>
/// <param name="At">Where to point a finding about the key: the header or the key.</param>
internal sealed record TomlItem(IReadOnlyList<string> Path, TomlItemKind Kind, SyntaxNode At, ValueSyntax? Value)
{
    public SyntaxNode ValueAt => Value ?? At;
}

/// <summary>A second definition of a path that TOML forbids; the second one is ignored.</summary>
internal sealed record TomlDuplicate(IReadOnlyList<string> Path, TomlItemKind Kind, SyntaxNode At, SyntaxNode FirstAt);

/// <summary>
/// A parsed TOML file flattened into definitions with positions. Readers interpret paths
/// instead of nodes so headers, dotted keys and inline tables all mean the same thing,
/// and findings always carry a line and column.
/// </summary>
internal sealed class TomlSource
{
    /// <summary>Prefix of the path segment that numbers <c>[[array]]</c> elements; cannot come from a TOML key.</summary>
    public const char ArrayIndex = '\0';

    private TomlSource(string path, DocumentSyntax syntax) => (File, Syntax) = (path, syntax);

    public string File { get; }
    public DocumentSyntax Syntax { get; }
    public List<TomlItem> Items { get; } = [];
    public List<TomlDuplicate> Duplicates { get; } = [];
    public List<ConfigFinding> Findings { get; } = [];

    /// <summary>True when the text is not TOML at all; <see cref="Items"/> is then empty.</summary>
    public bool Broken { get; private set; }

    public ConfigFinding Finding(SyntaxNode node, FindingSeverity severity, string message)
    {
        var (line, column) = TomlText.Position(node);
        return new ConfigFinding(File, line, column, severity, message);
    }

    public static TomlSource Parse(string text, string path)
    {
        var syntax = SyntaxParser.Parse(text, path, false);
        var source = new TomlSource(path, syntax);
        if (syntax.HasErrors)
        {
            source.Broken = true;
            source.AddDiagnostics(syntax.Diagnostics);
            return source;
        }

        source.Flatten();
        return source;
    }

    private void AddDiagnostics(DiagnosticsBag diagnostics)
    {
        foreach (var d in diagnostics)
        {
            var severity = d.Kind == DiagnosticMessageKind.Error ? FindingSeverity.Error : FindingSeverity.Warning;
            Findings.Add(new ConfigFinding(File, d.Span.Start.Line + 1, d.Span.Start.Column + 1, severity, d.Message));
        }
    }

    /// <summary>
    /// Walks the tree and enforces TOML's "define once" rules ourselves (Tomlyn 2.10's validator
    /// wrongly rejects a sub-table repeated across <c>[[array]]</c> elements), so a redefinition is
    /// reported once, clearly, with both positions, and the later definition is ignored.
    /// </summary>
    private void Flatten()
    {
        var state = new DefinitionState();
        foreach (var kv in Syntax.KeyValues)
            AddKeyValue([], kv, state, 0);

        foreach (var table in Syntax.Tables)
        {
            var header = Index(TomlText.KeyPath(table.Name), state.Arrays);
            if (table is TableArraySyntax)
            {
                var id = Id(header);
                state.Arrays[id] = state.Arrays.TryGetValue(id, out var n) ? n + 1 : 0;
                header = [.. header, ArrayIndex + state.Arrays[id].ToString(System.Globalization.CultureInfo.InvariantCulture)];
                Items.Add(new TomlItem(header, TomlItemKind.TableArrayElement, table, null));
            }
            else if (Define(header, TomlItemKind.Table, table, state, 0))
            {
                Items.Add(new TomlItem(header, TomlItemKind.Table, table, null));
            }
            else
            {
                continue;
            }

            foreach (var kv in table.Items)
                AddKeyValue(header, kv, state, 0);
        }
    }

    private sealed class DefinitionState
    {
        /// <summary>Explicitly defined paths: headers, values, inline tables.</summary>
        public Dictionary<string, SyntaxNode> Defined { get; } = new(StringComparer.Ordinal);
        /// <summary>Values and inline tables: nothing may be added below them from outside.</summary>
        public Dictionary<string, SyntaxNode> Closed { get; } = new(StringComparer.Ordinal);
        /// <summary>Tables created by dotted keys: a later header may not reopen them.</summary>
        public Dictionary<string, SyntaxNode> Dotted { get; } = new(StringComparer.Ordinal);
        public Dictionary<string, int> Arrays { get; } = new(StringComparer.Ordinal);
    }
    /// <summary>Rewrites a header path so a sub-table of an array of tables lands in its last element (only proper prefixes: <c>[[a]]</c> twice is two elements).</summary>
    private static List<string> Index(List<string> path, Dictionary<string, int> arrays)
    {
        for (var length = path.Count - 1; length > 0; length--)
        {
            if (arrays.TryGetValue(Id(path.Take(length)), out var n))
                return [.. path.Take(length), ArrayIndex + n.ToString(System.Globalization.CultureInfo.InvariantCulture), .. path.Skip(length)];
        }
        return path;
    }

    /// <param name="inlineDepth">Path length of the inline table being expanded (0 outside one): its own members may extend it.</param>
    private void AddKeyValue(IReadOnlyList<string> prefix, KeyValueSyntax kv, DefinitionState state, int inlineDepth)
    {
        if (kv.Key is null || kv.Value is null)
            return;
        var key = TomlText.KeyPath(kv.Key);
        List<string> path = [.. prefix, .. key];
        for (var length = prefix.Count + 1; length < path.Count; length++)
            state.Dotted.TryAdd(Id(path.Take(length)), kv.Key);

        if (kv.Value is InlineTableSyntax inline)
        {
            if (!Define(path, TomlItemKind.InlineTable, kv.Key, state, inlineDepth))
                return;
            Items.Add(new TomlItem(path, TomlItemKind.InlineTable, kv.Key, kv.Value));
            foreach (var item in inline.Items)
                if (item.KeyValue is { } inner)
                    AddKeyValue(path, inner, state, inlineDepth == 0 ? path.Count : inlineDepth);
            return;
        }
        if (Define(path, TomlItemKind.Value, kv.Key, state, inlineDepth))
            Items.Add(new TomlItem(path, TomlItemKind.Value, kv.Key, kv.Value));
    }

    private bool Define(IReadOnlyList<string> path, TomlItemKind kind, SyntaxNode at, DefinitionState state, int inlineDepth)
    {
        var id = Id(path);
        var outside = inlineDepth == 0 ? path.Count : inlineDepth;
        SyntaxNode? first = null;
        for (var length = 1; length < outside && first is null; length++)
            state.Closed.TryGetValue(Id(path.Take(length)), out first);
        if (first is null && !state.Defined.TryGetValue(id, out first) && kind == TomlItemKind.Table)
            state.Dotted.TryGetValue(id, out first);
        if (first is not null)
        {
            Duplicates.Add(new TomlDuplicate(path, kind, at, first));
            return false;
        }
        state.Defined[id] = at;
        if (kind != TomlItemKind.Table)
            state.Closed[id] = at;
        return true;
    }

    public static string Id(IEnumerable<string> path) => string.Join('\u001f', path);
}
