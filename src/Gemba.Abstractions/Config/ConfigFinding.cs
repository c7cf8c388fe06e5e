namespace Gemba.Config;

public enum FindingSeverity
{
    Error,
    Warning,
}

/// <summary>
/// One problem found in a configuration file, in the compiler format editors and CI already
/// understand, so an operator can jump straight to the offending line.
/// </summary>
/// <param name="Line">1-based; 0 only when there is no position at all (e.g. a missing file).</param>
/// <param name="Column">1-based; 0 together with <paramref name="Line"/>.</param>
/// <param name="Field">
/// The dotted TOML path the finding is about (e.g. <c>pool.local.engineer.floor</c>), for the
/// editor to mark the input; null for findings about the file as a whole.
/// </param>
public sealed record ConfigFinding(string File, int Line, int Column, FindingSeverity Severity, string Message, string? Field = null)
{
    public override string ToString()
    {
        var severity = Severity == FindingSeverity.Error ? "error" : "warning";
        return Line > 0 ? $"{File}:{Line}:{Column}: {severity}: {Message}" : $"{File}: {severity}: {Message}";
    }
}

public static class ConfigFindingExtensions
{
    public static bool HasErrors(this IEnumerable<ConfigFinding> findings) =>
        findings.Any(f => f.Severity == FindingSeverity.Error);
}
