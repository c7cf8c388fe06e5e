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
            source.AddDiagnostics(syntax.Diagnostics, _ => true);
            return source;
        }

        var skipped = source.Flatten();
        // Tomlyn's own semantic check also catches the cases we do not model (a header
        // re-opening a table made by dotted keys); skip what we already reported more clearly.
        var validated = SyntaxParser.Parse(text, path, true);
        source.AddDiagnostics(validated.Diagnostics,
            d => !source.Duplicates.Any(dup => Covers(dup.At, d.Span.Start)) && !skipped.Any(node => Covers(node, d.Span.Start)));
        return source;
    }

    private static bool Covers(SyntaxNode node, TextPosition position) =>
        position.Offset >= node.Span.Start.Offset && position.Offset <= node.Span.End.Offset;

    private void AddDiagnostics(DiagnosticsBag diagnostics, Func<DiagnosticMessage, bool> keep)
    {
        foreach (var d in diagnostics)
        {
            if (!keep(d))
                continue;
            var severity = d.Kind == DiagnosticMessageKind.Error ? FindingSeverity.Error : FindingSeverity.Warning;
            Findings.Add(new ConfigFinding(File, d.Span.Start.Line + 1, d.Span.Start.Column + 1, severity, d.Message));
        }
    }

    /// <summary>Returns the nodes skipped as duplicates (their content is not read).</summary>
    private List<SyntaxNode> Flatten()
    {
        var defined = new Dictionary<string, SyntaxNode>(StringComparer.Ordinal);
        var arrays = new Dictionary<string, int>(StringComparer.Ordinal);
        var skipped = new List<SyntaxNode>();

        foreach (var kv in Syntax.KeyValues)
            AddKeyValue([], kv, defined);

        foreach (var table in Syntax.Tables)
        {
            var header = Index(TomlText.KeyPath(table.Name), arrays);
            if (table is TableArraySyntax)
            {
                var id = Id(header);
                arrays[id] = arrays.TryGetValue(id, out var n) ? n + 1 : 0;
                header = [.. header, ArrayIndex + arrays[id].ToString(System.Globalization.CultureInfo.InvariantCulture)];
                Items.Add(new TomlItem(header, TomlItemKind.TableArrayElement, table, null));
            }
            else if (!Define(header, TomlItemKind.Table, table, defined))
            {
                skipped.Add(table);
                continue;
            }
            else
            {
                Items.Add(new TomlItem(header, TomlItemKind.Table, table, null));
            }

            foreach (var kv in table.Items)
                AddKeyValue(header, kv, defined);
        }
        return skipped;
    }

    /// <summary>Rewrites a header path so a sub-table of an array of tables lands in its last element.</summary>
    private static List<string> Index(List<string> path, Dictionary<string, int> arrays)
    {
        for (var length = path.Count; length > 0; length--)
        {
            if (arrays.TryGetValue(Id(path.Take(length)), out var n))
                return [.. path.Take(length), ArrayIndex + n.ToString(System.Globalization.CultureInfo.InvariantCulture), .. path.Skip(length)];
        }
        return path;
    }

    private void AddKeyValue(IReadOnlyList<string> prefix, KeyValueSyntax kv, Dictionary<string, SyntaxNode> defined)
    {
        if (kv.Key is null || kv.Value is null)
            return;
        List<string> path = [.. prefix, .. TomlText.KeyPath(kv.Key)];
        if (kv.Value is InlineTableSyntax inline)
        {
            if (!Define(path, TomlItemKind.InlineTable, kv.Key, defined))
                return;
            Items.Add(new TomlItem(path, TomlItemKind.InlineTable, kv.Key, kv.Value));
            foreach (var item in inline.Items)
                if (item.KeyValue is { } inner)
                    AddKeyValue(path, inner, defined);
            return;
        }
        if (Define(path, TomlItemKind.Value, kv.Key, defined))
            Items.Add(new TomlItem(path, TomlItemKind.Value, kv.Key, kv.Value));
    }

    private bool Define(IReadOnlyList<string> path, TomlItemKind kind, SyntaxNode at, Dictionary<string, SyntaxNode> defined)
    {
        var id = Id(path);
        if (defined.TryGetValue(id, out var first))
        {
            Duplicates.Add(new TomlDuplicate(path, kind, at, first));
            return false;
        }
        defined[id] = at;
        return true;
    }

    public static string Id(IEnumerable<string> path) => string.Join('\u001f', path);
}
