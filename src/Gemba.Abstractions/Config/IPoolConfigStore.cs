namespace Gemba.Config;

/// <summary>
/// The operator's <c>pool.toml</c> as the editor and the API see it: read fresh from disk every
/// time, checked with the same rules as <c>gemba config check</c>, and saved by editing the
/// operator's own text (comments and key order kept) into exactly the file the server was
/// started with. A save applies at once (hot reload); no restart.
/// </summary>
public interface IPoolConfigStore
{
    /// <summary>The file as it is on disk now, with its findings and version tag.</summary>
    PoolConfigSnapshot Read();

    /// <summary>
    /// What saving <paramref name="draft"/> would do now, without writing anything: the text as it
    /// would be written, its line diff against the file, the findings, and the draft resolved.
    /// </summary>
    PoolConfigDraft Check(PoolConfig draft);

    /// <summary>
    /// Saves <paramref name="draft"/> when the file is still at <paramref name="baseVersion"/> and the
    /// draft has no errors, then applies it live. Never overwrites a file changed since that version.
    /// </summary>
    Task<PoolConfigSaveResult> SaveAsync(PoolConfig draft, string baseVersion, CancellationToken cancellationToken = default);

    /// <summary>The persona files the draft is checked against (read-only in the editor).</summary>
    PersonaCatalog Personas { get; }

    /// <summary>The agents registry the draft is checked against (read-only in the editor).</summary>
    AgentsRegistry Agents { get; }
}

/// <param name="Path">The file the server was started with; the only file a save writes.</param>
/// <param name="Body">Its text; empty when it does not exist.</param>
/// <param name="Version">A tag of the bytes on disk (<c>absent</c> when there is no file): what a save must be based on.</param>
/// <param name="MaxParallel">The host pane cap from agents.toml (0: no clamp).</param>
/// <param name="ReservedForManual">The effective reservation the clamp uses (the default 1 when unset).</param>
public sealed record PoolConfigSnapshot(
    string Path,
    string Body,
    PoolConfig Parsed,
    string Version,
    bool Exists,
    int MaxParallel,
    int ReservedForManual,
    IReadOnlyList<ConfigFinding> Findings);

/// <param name="Body">The text a save would write now (the operator's file edited in place).</param>
/// <param name="Diff">The line diff of the file on disk against <paramref name="Body"/>.</param>
/// <param name="Resolved">The draft with its cascade and clamp applied: what the pools would become.</param>
/// <param name="BaseVersion">The version of the file the body was computed from.</param>
public sealed record PoolConfigDraft(
    string Body,
    IReadOnlyList<DiffLine> Diff,
    IReadOnlyList<ConfigFinding> Findings,
    ResolvedConfig Resolved,
    string BaseVersion)
{
    public bool CanSave => !Findings.HasErrors();
}

public enum PoolConfigSaveStatus
{
    /// <summary>Written and applied.</summary>
    Saved,

    /// <summary>The draft has errors; nothing was written.</summary>
    Invalid,

    /// <summary>The file changed on disk since the base version; nothing was written.</summary>
    Conflict,
}

/// <param name="Current">The file after the save (or as found, on a conflict).</param>
/// <param name="Findings">The draft's findings (the errors that refused it, or the warnings it was saved with).</param>
/// <param name="Changes">What applying the save changed in the pools in force.</param>
public sealed record PoolConfigSaveResult(
    PoolConfigSaveStatus Status,
    PoolConfigSnapshot Current,
    IReadOnlyList<ConfigFinding> Findings,
    IReadOnlyList<PoolChange> Changes);

/// <summary>One pool's change between the config in force and a saved one.</summary>
/// <param name="Kind">One of <see cref="PoolChangeKinds"/>.</param>
/// <param name="Detail">For people, e.g. <c>size 2 → 3</c>.</param>
public sealed record PoolChange(string Scope, string Persona, string Kind, string Detail);

public static class PoolChangeKinds
{
    public const string Added = "added";
    public const string Removed = "removed";
    public const string Grown = "grown";
    public const string Shrunk = "shrunk";
    public const string Refloored = "re_floored";
    public const string Retuned = "retuned";
}
