using Tomlyn.Syntax;

namespace Gemba.Config;

/// <summary>
/// A parsed <c>pool.toml</c>: the raw model plus everything needed to point findings at the
/// operator's text and to save edits back without losing their comments.
/// </summary>
public sealed class PoolConfigDocument
{
    private readonly IReadOnlyDictionary<string, TomlItem> _positions;

    internal PoolConfigDocument(
        PoolConfig config, IReadOnlyList<ConfigFinding> findings, string path, string text,
        DocumentSyntax? syntax, IReadOnlyDictionary<string, TomlItem> positions)
    {
        Config = config;
        Findings = findings;
        Path = path;
        Text = text;
        Syntax = syntax;
        _positions = positions;
    }

    public PoolConfig Config { get; }

    /// <summary>Parse findings only; <see cref="PoolConfigValidator"/> adds the semantic ones.</summary>
    public IReadOnlyList<ConfigFinding> Findings { get; }

    public string Path { get; }

    public string Text { get; }

    /// <summary>Tomlyn's lossless tree of <see cref="Text"/>; null when the file did not exist.</summary>
    public DocumentSyntax? Syntax { get; }

    /// <summary>
    /// A finding placed at the definition of <paramref name="path"/> (its value when
    /// <paramref name="atValue"/>), or at the nearest defined ancestor, so findings about
    /// defaulted values still land on the pool they concern.
    /// </summary>
    internal ConfigFinding At(IReadOnlyList<string> path, FindingSeverity severity, string message, bool atValue = false)
    {
        for (var length = path.Count; length > 0; length--)
        {
            if (_positions.TryGetValue(PositionKey(path.Take(length)), out var item))
            {
                var (line, column) = TomlText.Position(atValue && length == path.Count ? item.ValueAt : item.At);
                return new ConfigFinding(Path, line, column, severity, message, TomlText.Dotted(path));
            }
        }
        return new ConfigFinding(Path, 0, 0, severity, message, TomlText.Dotted(path));
    }

    /// <summary>Document order of a definition, for "the first such table" style findings.</summary>
    internal int OrderOf(IReadOnlyList<string> path) =>
        _positions.TryGetValue(PositionKey(path), out var item) ? item.At.Span.Start.Offset : int.MaxValue;

    internal static string PositionKey(IEnumerable<string> path) => string.Join('\u001f', path);
}
