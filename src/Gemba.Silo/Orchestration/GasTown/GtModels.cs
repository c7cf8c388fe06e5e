namespace Gemba.Silo.Orchestration.GasTown;

/// <summary>What the installed <c>gt</c> can do (original §6.2 probe, reference §4.2).</summary>
/// <param name="Version">The version token from <c>gt --version</c> (e.g. <c>1.0.1</c>), or its first line when no version number is found.</param>
/// <param name="HasHandoff">Whether <c>gt handoff</c> exists (needed for recycle).</param>
/// <param name="HasSlingJson">Whether <c>gt sling --help</c> mentions <c>--json</c> (gt 1.0.1: no).</param>
/// <param name="Missing">
/// Commands gemba or seed 003 name that this gt lacks, each with what to use instead, e.g.
/// <c>gt rig create (not in this gt; use `gt rig add &lt;name&gt; &lt;git-url&gt;`)</c>.
/// </param>
public sealed record GtCapabilities(string Version, bool HasHandoff, bool HasSlingJson, IReadOnlyList<string> Missing);

/// <summary>One element of <c>gt rig list --json</c>. Unknown fields are ignored.</summary>
/// <param name="BeadsPrefix">The registry's session prefix, normally the beads prefix (reference §4.2).</param>
/// <param name="Status"><c>operational</c>, <c>parked</c>, <c>docked</c> or <c>error</c> (others passed through).</param>
public sealed record GtRig(string Name, string? BeadsPrefix, string? Status, string? Witness, string? Refinery, int Polecats, int Crew);

/// <summary>One element of <c>gt polecat list --all --json</c>. <see cref="Issue"/> is the hooked bead.</summary>
public sealed record GtPolecat(string Rig, string Name, string? State, string? Issue, bool SessionRunning)
{
    /// <summary>The polecat's hook address, <c>&lt;rig&gt;/polecats/&lt;name&gt;</c>.</summary>
    public string Address => $"{Rig}/polecats/{Name}";
}

/// <summary><c>gt polecat git-state &lt;rig&gt;/&lt;name&gt; --json</c>.</summary>
public sealed record GtGitState(bool Clean, IReadOnlyList<string> UncommittedFiles, int UnpushedCommits, int StashCount)
{
    /// <summary>Dirty when gt says so or lists any uncommitted file (belt and braces: losing work is the worse error).</summary>
    public bool IsDirty => !Clean || UncommittedFiles.Count > 0;

    public string Describe() =>
        $"uncommitted files: {(UncommittedFiles.Count == 0 ? "none" : string.Join(", ", UncommittedFiles))}; unpushed commits: {UnpushedCommits}; stashes: {StashCount}";
}

/// <summary>One editor mutation as the UI's run-command modal shows it (original §4.8).</summary>
/// <param name="Command">The display string, e.g. <c>gt rig add foo https://example.com/foo.git</c>.</param>
public sealed record GtRun(string Command, string Stdout, string Stderr, bool Ok);

/// <summary>How to run <c>gt</c>.</summary>
/// <param name="Executable">A bare name looked up on PATH, or a path.</param>
/// <param name="TownRoot">
/// The Gas Town workspace (<c>~/gt</c>): gt finds it by walking up from the working directory, so
/// calls run there and also get <c>GT_TOWN_ROOT</c>. Null: the server's working directory.
/// </param>
/// <param name="Timeout">Per call; default 30 s.</param>
/// <param name="ProbeTimeout">Per capability probe call; default 3 s.</param>
/// <param name="Environment">Extra environment variables for every call.</param>
/// <param name="MaxConcurrentCalls">gt processes at once (each may hit the town's Dolt server; reference §6).</param>
public sealed record GtClientOptions(
    string Executable = "gt",
    string? TownRoot = null,
    TimeSpan? Timeout = null,
    TimeSpan? ProbeTimeout = null,
    IReadOnlyDictionary<string, string?>? Environment = null,
    int MaxConcurrentCalls = 4);
