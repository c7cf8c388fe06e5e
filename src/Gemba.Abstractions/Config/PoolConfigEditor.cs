using Tomlyn.Parsing;
using Tomlyn.Syntax;

namespace Gemba.Config;

/// <summary>
/// Applies a <see cref="PoolConfig"/> to the operator's own <c>pool.toml</c> by editing Tomlyn's
/// lossless syntax tree, so comments, blank lines, key order and spelling survive a save.
/// </summary>
/// <remarks>
/// Tomlyn hangs the comments that follow a line on that line's end-of-line token, so every
/// insertion or removal below moves that trailing trivia along: comments stay where the
/// operator put them relative to their neighbours. A removed key loses only its own
/// same-line comment; a removed table loses the comments inside it.
/// Members of inline tables can be changed but not added or removed; such edits (and any
/// result that would not re-read as the requested config) make <see cref="TryEdit"/> give up
/// so the caller renders fresh rather than writing something wrong.
/// </remarks>
internal sealed class PoolConfigEditor
{
    private readonly DocumentSyntax _doc;
    private readonly List<TomlItem> _items;
    private readonly HashSet<SyntaxNode> _removed = [];

    private PoolConfigEditor(TomlSource source) => (_doc, _items) = (source.Syntax, source.Items);

    public static string? TryEdit(string originalText, PoolConfig config)
    {
        var text = originalText.Length == 0 || originalText.EndsWith('\n') ? originalText : originalText + "\n";
        var source = TomlSource.Parse(text, "pool.toml");
        if (source.Findings.HasErrors() || source.Duplicates.Count > 0)
            return null;
        try
        {
            var editor = new PoolConfigEditor(source);
            editor.Apply(config);
            var edited = editor._doc.ToString();
            var check = PoolConfigReader.Read(edited, "pool.toml");
            return !check.Findings.HasErrors() && PoolConfigWriter.Render(check.Config) == PoolConfigWriter.Render(config)
                ? edited
                : null;
        }
        catch (NotSupportedException)
        {
            return null;
        }
    }

    private void Apply(PoolConfig config)
    {
        var leaves = PoolConfigWriter.Leaves(config).ToDictionary(l => TomlSource.Id(l.Path), StringComparer.Ordinal);
        var entries = PoolConfigWriter.Entries(config).Select(TomlSource.Id).ToHashSet(StringComparer.Ordinal);
        var present = new HashSet<string>(StringComparer.Ordinal);

        foreach (var item in _items.Where(i => IsEntry(i.Path) && i.Kind != TomlItemKind.Value && !entries.Contains(TomlSource.Id(i.Path))))
        {
            if (item.At is TableSyntaxBase table)
                RemoveTable(table);
            else
                RemoveKeyValue(KeyValueOf(item));
        }

        foreach (var item in _items.Where(i => i.Kind == TomlItemKind.Value && IsLeaf(i.Path)))
        {
            var kv = KeyValueOf(item);
            if (IsRemoved(kv))
                continue;
            if (!leaves.TryGetValue(TomlSource.Id(item.Path), out var leaf))
            {
                RemoveKeyValue(kv);
                continue;
            }
            present.Add(TomlSource.Id(item.Path));
            if (!SameValue(kv.Value, leaf.Value))
                ReplaceValue(kv, leaf.Rendered);
        }

        foreach (var leaf in leaves.Values.Where(l => !present.Contains(TomlSource.Id(l.Path))))
            Append(leaf);

        foreach (var entry in PoolConfigWriter.Entries(config).Where(e => !IsDefined(e)))
            CreateTable(entry);

        if (config.Routing.Count == 0)
            RemoveEmptyTable([PoolConfigReader.Pool, PoolConfigReader.Routing]);
        foreach (var item in _items.Where(i => i.Path is [PoolConfigReader.Pool, var scope] && !config.Pools.ContainsKey(scope) && i.At is TableSyntax))
            RemoveEmptyTable(item.Path);
    }

    private static bool IsEntry(IReadOnlyList<string> path) =>
        path.Count == 3 && path[0] == PoolConfigReader.Pool && path[1] != PoolConfigReader.Routing && !IsDefaultKey(path[1]);

    private static bool IsDefaultKey(string key) =>
        key is "default_size" or "default_persona" or "default_floor" or "reserved_for_manual";

    /// <summary>Paths the model can express; anything else under <c>[pool]</c> is left alone (the reader warned about it).</summary>
    private static bool IsLeaf(IReadOnlyList<string> path) => path switch
    {
        [PoolConfigReader.Pool, var key] => IsDefaultKey(key),
        [PoolConfigReader.Pool, PoolConfigReader.Routing, _] => true,
        [PoolConfigReader.Pool, var scope, _, var key] => scope != PoolConfigReader.Routing && !IsDefaultKey(scope)
            && key is "size" or "agent_type" or "floor" or "recycle_after_beads" or "idle_ceiling_minutes" or "stall_timeout_minutes"
                or "min_interval_per_session_seconds" or "max_concurrent",
        _ => false,
    };

    private static bool SameValue(ValueSyntax? current, object wanted) => (current, wanted) switch
    {
        (IntegerValueSyntax i, int w) => i.Value == w,
        (FloatValueSyntax f, double w) => f.Value.Equals(w),
        (StringValueSyntax s, string w) => s.Value == w,
        _ => false,
    };

    private static KeyValueSyntax KeyValueOf(TomlItem item) =>
        item.At.Parent as KeyValueSyntax ?? throw new NotSupportedException("item is not a key/value");

    private bool IsRemoved(SyntaxNode node)
    {
        for (SyntaxNode? n = node; n is not null; n = n.Parent)
            if (_removed.Contains(n))
                return true;
        return false;
    }

    private bool IsDefined(IReadOnlyList<string> path) =>
        _items.Any(i => i.Path.Count >= path.Count && i.Path.Take(path.Count).SequenceEqual(path) && !IsRemoved(i.At));

    private static void ReplaceValue(KeyValueSyntax kv, string rendered)
    {
        var snippet = Snippet<KeyValueSyntax>($"x = {rendered}\n");
        var value = snippet.Value!;
        snippet.Value = null;
        if (kv.Value is { } old && LastToken(old) is { } oldLast && LastToken(value) is { } newLast)
            newLast.TrailingTrivia = oldLast.TrailingTrivia;
        kv.Value = value;
    }

    /// <summary>Adds a missing value next to its siblings, or at the end of its table, creating the table if needed.</summary>
    private void Append(PoolLeaf leaf)
    {
        var sibling = _items.LastOrDefault(i => i.Kind == TomlItemKind.Value && !IsRemoved(i.At)
            && i.Path.Count == leaf.Path.Count && i.Path.Take(leaf.Path.Count - 1).SequenceEqual(leaf.Parent)
            && i.At.Parent?.Parent is SyntaxList<KeyValueSyntax>);
        if (sibling is not null)
        {
            var anchor = KeyValueOf(sibling);
            var relative = TomlText.KeyPath(anchor.Key);
            relative[^1] = leaf.Name;
            var kv = Snippet<KeyValueSyntax>($"{TomlText.Dotted(relative)} = {leaf.Rendered}\n");
            InsertAfter(anchor, kv);
            _items.Add(new TomlItem(leaf.Path, TomlItemKind.Value, kv.Key!, kv.Value));
            return;
        }

        var table = FindTable(leaf.Parent) ?? CreateTable(leaf.Parent);
        var added = Snippet<KeyValueSyntax>($"{TomlText.Key(leaf.Name)} = {leaf.Rendered}\n");
        MoveTrailingTrivia(LastEndOfLine(table), added.EndOfLineToken);
        table.Items.Add(added);
        _items.Add(new TomlItem(leaf.Path, TomlItemKind.Value, added.Key!, added.Value));
    }

    private TableSyntaxBase? FindTable(IReadOnlyList<string> path) =>
        _items.LastOrDefault(i => i.Kind == TomlItemKind.Table && i.Path.SequenceEqual(path) && !IsRemoved(i.At))?.At as TableSyntaxBase;

    /// <summary>
    /// <c>[pool]</c> goes before the first pool table, <c>[pool.routing]</c> right after <c>[pool]</c>,
    /// a pool after the last pool table: new content lands next to its kind, never among foreign tables.
    /// </summary>
    private TableSyntaxBase CreateTable(IReadOnlyList<string> path)
    {
        var table = Snippet<TableSyntax>($"\n[{TomlText.Dotted(path)}]\n");
        var tables = _doc.Tables.Where(t => !_removed.Contains(t)).ToList();
        var poolTables = tables.Where(t => TomlText.KeyPath(t.Name) is [PoolConfigReader.Pool, ..]).ToList();
        if (path.Count == 1 && poolTables.Count > 0)
        {
            var first = poolTables[0];
            table.LeadingTrivia = first.LeadingTrivia;
            first.LeadingTrivia = null;
            table.EndOfLineToken!.TrailingTrivia = [SyntaxFactory.NewLineTrivia()];
            Insert(_doc.Tables, IndexOf(_doc.Tables, first), table);
        }
        else
        {
            var after = path is [_, PoolConfigReader.Routing] ? FindTable([PoolConfigReader.Pool]) : null;
            after ??= poolTables.LastOrDefault();
            var previousEnd = after is not null ? LastEndOfLine(after) : LastEndOfLine(_doc);
            MoveTrailingTrivia(previousEnd, table.EndOfLineToken);
            Insert(_doc.Tables, after is null ? _doc.Tables.ChildrenCount : IndexOf(_doc.Tables, after) + 1, table);
        }
        _items.Add(new TomlItem(path, TomlItemKind.Table, table, null));
        return table;
    }

    private void RemoveTable(TableSyntaxBase table)
    {
        var index = IndexOf(_doc.Tables, table);
        var following = LastEndOfLine(table)?.TrailingTrivia;
        var previousEnd = index > 0 ? LastEndOfLine(_doc.Tables.GetChild(index - 1)!) : LastEndOfLine(_doc);
        if (previousEnd is not null)
            Concat(previousEnd, following);
        else if (index + 1 < _doc.Tables.ChildrenCount)
            _doc.Tables.GetChild(index + 1)!.LeadingTrivia = [.. table.LeadingTrivia ?? [], .. following ?? []];
        _doc.Tables.RemoveChildAt(index);
        _removed.Add(table);
    }

    private void RemoveEmptyTable(IReadOnlyList<string> path)
    {
        if (FindTable(path) is { } table && table.Items.ChildrenCount == 0)
            RemoveTable(table);
    }

    private void RemoveKeyValue(KeyValueSyntax kv)
    {
        if (kv.Parent is not SyntaxList<KeyValueSyntax> list)
            throw new NotSupportedException("removing a member of an inline table");
        var index = IndexOf(list, kv);
        SyntaxToken? previousEnd = index > 0
            ? list.GetChild(index - 1)!.EndOfLineToken
            : list.Parent is TableSyntaxBase table ? table.EndOfLineToken : null;
        if (previousEnd is not null)
            Concat(previousEnd, kv.EndOfLineToken?.TrailingTrivia);
        else if (index + 1 < list.ChildrenCount)
            list.GetChild(index + 1)!.LeadingTrivia = [.. kv.LeadingTrivia ?? [], .. kv.EndOfLineToken?.TrailingTrivia ?? []];
        list.RemoveChildAt(index);
        _removed.Add(kv);
    }

    private static void InsertAfter(KeyValueSyntax anchor, KeyValueSyntax kv)
    {
        var list = (SyntaxList<KeyValueSyntax>)anchor.Parent!;
        MoveTrailingTrivia(anchor.EndOfLineToken, kv.EndOfLineToken);
        Insert(list, IndexOf(list, anchor) + 1, kv);
    }

    private static void MoveTrailingTrivia(SyntaxToken? from, SyntaxToken? to)
    {
        if (from is null || to is null)
            return;
        to.TrailingTrivia = from.TrailingTrivia;
        from.TrailingTrivia = null;
    }

    private static void Concat(SyntaxToken token, List<SyntaxTrivia>? trivia)
    {
        if (trivia is { Count: > 0 })
            token.TrailingTrivia = [.. token.TrailingTrivia ?? [], .. trivia];
    }

    private static SyntaxToken? LastEndOfLine(SyntaxNode node) => node switch
    {
        TableSyntaxBase table => table.Items.ChildrenCount > 0
            ? table.Items.GetChild(table.Items.ChildrenCount - 1)!.EndOfLineToken
            : table.EndOfLineToken,
        DocumentSyntax doc => doc.KeyValues.ChildrenCount > 0
            ? doc.KeyValues.GetChild(doc.KeyValues.ChildrenCount - 1)!.EndOfLineToken
            : null,
        _ => null,
    };

    private static SyntaxToken? LastToken(SyntaxNode node) =>
        node.Descendants(true).OfType<SyntaxToken>().LastOrDefault();

    private static int IndexOf<T>(SyntaxList<T> list, T node) where T : SyntaxNode
    {
        for (var i = 0; i < list.ChildrenCount; i++)
            if (ReferenceEquals(list.GetChild(i), node))
                return i;
        throw new InvalidOperationException("node is not in the list");
    }

    /// <summary>Tomlyn's lists only append, so an insertion re-appends the tail.</summary>
    private static void Insert<T>(SyntaxList<T> list, int index, T node) where T : SyntaxNode
    {
        var tail = new List<T>();
        while (list.ChildrenCount > index)
        {
            tail.Add(list.GetChild(index)!);
            list.RemoveChildAt(index);
        }
        list.Add(node);
        foreach (var n in tail)
            list.Add(n);
    }

    /// <summary>New nodes come from parsing our own rendering, so they carry exactly the tokens Tomlyn expects.</summary>
    private static T Snippet<T>(string text) where T : SyntaxNode
    {
        var doc = SyntaxParser.Parse(text, "snippet", false);
        if (typeof(T) == typeof(TableSyntax))
        {
            var table = doc.Tables.GetChild(0)!;
            doc.Tables.RemoveChildAt(0);
            return (T)(SyntaxNode)table;
        }
        var kv = doc.KeyValues.GetChild(0)!;
        doc.KeyValues.RemoveChildAt(0);
        return (T)(SyntaxNode)kv;
    }
}
