namespace Gemba.Config;

/// <summary>Reads and writes <c>pool.toml</c>.</summary>
public static class PoolConfigCodec
{
    /// <summary>Never throws on bad input: every problem becomes a positioned finding.</summary>
    public static PoolConfigDocument Parse(string text, string path) => PoolConfigReader.Read(text, path);

    /// <summary>
    /// A missing file is an empty config without findings: no pools means Phase 0, a server that
    /// behaves exactly as one without pools. Other I/O errors propagate: they are not config problems.
    /// </summary>
    public static PoolConfigDocument Load(string path) =>
        File.Exists(path)
            ? Parse(File.ReadAllText(path), path)
            : new PoolConfigDocument(new PoolConfig(), [], path, "", null, new Dictionary<string, TomlItem>());

    /// <summary>
    /// The TOML to save for <paramref name="config"/>. When <paramref name="originalText"/> parses,
    /// it is edited in place so the operator's comments and key order survive; otherwise (or when
    /// the edit cannot be made faithfully) the config is rendered fresh in the deterministic order.
    /// Either way the result reads back as <paramref name="config"/>.
    /// </summary>
    public static string Update(string? originalText, PoolConfig config) =>
        (string.IsNullOrWhiteSpace(originalText) ? null : PoolConfigEditor.TryEdit(originalText, config)) ?? Render(config);

    /// <summary>Deterministic fresh rendering (also the editor's live preview).</summary>
    public static string Render(PoolConfig config) => PoolConfigWriter.Render(config);
}
