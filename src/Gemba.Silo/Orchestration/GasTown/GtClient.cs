using System.Globalization;
using System.Text.RegularExpressions;
using Gemba.Pools;
using Gemba.Silo.WorkPlanes;
using Microsoft.Extensions.Logging;

using Gemba.Silo.Processes;

namespace Gemba.Silo.Orchestration.GasTown;

/// <summary>
/// The Gas Town CLI as gt 1.0.1 really has it (reference §4.2-4.3): argument lists only (never a
/// shell string), a timeout per call, stdout and stderr kept apart, tolerant JSON, and every name
/// validated before anything runs. Failures throw <see cref="GtCommandException"/> naming the command.
/// </summary>
internal sealed partial class GtClient
{
    public const string NotFoundAdvice = "install Gas Town, or use --orchestration native|mock";

    private readonly GtClientOptions _options;
    private readonly ILogger<GtClient> _log;
    private readonly TimeProvider _time;
    private readonly TimeSpan _timeout;
    private readonly TimeSpan _probeTimeout;
    private readonly SemaphoreSlim _gate;

    public GtClient(GtClientOptions options, ILogger<GtClient> log, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(options.Executable);
        _options = options;
        _log = log;
        _time = time ?? TimeProvider.System;
        _timeout = options.Timeout ?? TimeSpan.FromSeconds(30);
        _probeTimeout = options.ProbeTimeout ?? TimeSpan.FromSeconds(3);
        _gate = new SemaphoreSlim(Math.Max(1, options.MaxConcurrentCalls));
    }

    /// <summary>A clone can take longer than an ordinary call.</summary>
    public TimeSpan CloneTimeout { get; init; } = TimeSpan.FromMinutes(5);

    // ---------------------------------------------------------------- probe

    /// <summary>
    /// <c>gt --version</c> (must succeed), <c>gt handoff --help</c>, <c>gt sling --help</c>, and the
    /// subcommand lists of <c>gt rig --help</c> / <c>gt polecat --help</c> /
    /// <c>gt polecat identity --help</c>, to report what seed 003 and gemba assume but this gt lacks.
    /// Each probe call has the short probe timeout.
    /// </summary>
    public async Task<GtCapabilities> ProbeAsync(CancellationToken cancellationToken = default)
    {
        var versionRun = await RunAsync(["--version"], _probeTimeout, cancellationToken).ConfigureAwait(false);
        if (!versionRun.Ok) throw versionRun.Fail("failed; is gt installed and working?");
        var version = ParseVersion(versionRun.Stdout.Length > 0 ? versionRun.Stdout : versionRun.Stderr);
        if (IsBelow(version, 1, 0)) LogOldVersion(version);

        var missing = new List<string>();

        var handoff = await TryProbeAsync(["handoff", "--help"], cancellationToken).ConfigureAwait(false);
        var hasHandoff = handoff is { Ok: true, IsUnknownCommand: false };
        if (!hasHandoff) missing.Add("gt handoff (recycle is unavailable)");

        var sling = await TryProbeAsync(["sling", "--help"], cancellationToken).ConfigureAwait(false);
        var hasSling = sling is { Ok: true, IsUnknownCommand: false };
        var hasSlingJson = hasSling && (sling!.Stdout + sling.Stderr).Contains("--json", StringComparison.Ordinal);
        if (!hasSling) missing.Add($"gt sling (dispatch is impossible{ProbeDetail(sling)})");

        var rig = await SubcommandsAsync(["rig", "--help"], cancellationToken).ConfigureAwait(false);
        if (rig is null)
        {
            missing.Add("gt rig (no rig commands at all)");
        }
        else
        {
            if (!rig.Contains("list")) missing.Add("gt rig list (scopes cannot be listed)");
            if (!rig.Contains("create"))
                missing.Add(rig.Contains("add")
                    ? "gt rig create (seed 003 assumes it; this gt has `gt rig add <name> <git-url>` / `gt rig add <name> --adopt` instead, which gemba uses)"
                    : "gt rig create (seed 003 assumes it; this gt has neither it nor `gt rig add`)");
            if (!rig.Contains("add")) missing.Add("gt rig add (the editor cannot create rigs)");
        }

        var polecat = await SubcommandsAsync(["polecat", "--help"], cancellationToken).ConfigureAwait(false);
        if (polecat is null)
        {
            missing.Add("gt polecat (no polecat commands at all)");
        }
        else
        {
            if (!polecat.Contains("list")) missing.Add("gt polecat list (members cannot be found)");
            if (!polecat.Contains("git-state")) missing.Add("gt polecat git-state (worktrees count as dirty; recycle is refused)");
            var identity = polecat.Contains("identity")
                ? await SubcommandsAsync(["polecat", "identity", "--help"], cancellationToken).ConfigureAwait(false)
                : null;
            var hasIdentityAdd = identity?.Contains("add") == true;
            if (!polecat.Contains("create"))
                missing.Add(hasIdentityAdd
                    ? "gt polecat create (seed 003 assumes it; this gt has `gt polecat identity add <rig> <name>` instead, which gemba uses)"
                    : "gt polecat create (seed 003 assumes it; this gt has neither it nor `gt polecat identity add`)");
            if (!hasIdentityAdd) missing.Add("gt polecat identity add (the editor cannot create polecats)");
        }

        var capabilities = new GtCapabilities(version, hasHandoff, hasSlingJson, missing);
        LogProbed(version, hasHandoff, hasSlingJson, missing.Count == 0 ? "nothing" : string.Join("; ", missing));
        return capabilities;
    }

    // ---------------------------------------------------------------- reads

    /// <summary><c>gt rig list --json</c>; gt's plain-text "No rigs configured." is an empty list.</summary>
    public async Task<IReadOnlyList<GtRig>> ListRigsAsync(CancellationToken cancellationToken = default)
    {
        var result = await RunCheckedAsync(["rig", "list", "--json"], cancellationToken).ConfigureAwait(false);
        if (IsPlainTextEmpty(result.Stdout, "rigs")) return [];
        return GtJson.ReadArray(result, "rigs", GtJson.ReadRig);
    }

    /// <summary><c>gt polecat list --all --json</c>.</summary>
    public async Task<IReadOnlyList<GtPolecat>> ListPolecatsAsync(CancellationToken cancellationToken = default)
    {
        var result = await RunCheckedAsync(["polecat", "list", "--all", "--json"], cancellationToken).ConfigureAwait(false);
        if (IsPlainTextEmpty(result.Stdout, "rigs") || IsPlainTextEmpty(result.Stdout, "polecats")) return [];
        return GtJson.ReadArray(result, "polecats", GtJson.ReadPolecat);
    }

    /// <summary><c>gt polecat git-state &lt;rig&gt;/&lt;name&gt; --json</c>.</summary>
    public async Task<GtGitState> GitStateAsync(string rig, string name, CancellationToken cancellationToken = default)
    {
        Names.EnsureValid(rig, "rig");
        Names.EnsureValid(name, "polecat");
        var result = await RunCheckedAsync(["polecat", "git-state", $"{rig}/{name}", "--json"], cancellationToken).ConfigureAwait(false);
        return GtJson.ReadGitState(result);
    }

    /// <summary><c>gt config get &lt;key&gt;</c>: the bare value gt prints, trimmed.</summary>
    public async Task<string> ConfigGetAsync(string key, CancellationToken cancellationToken = default)
    {
        EnsureConfigKey(key);
        var result = await RunCheckedAsync(["config", "get", key], cancellationToken).ConfigureAwait(false);
        return result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "";
    }

    /// <summary><see cref="ConfigGetAsync"/> for an integer key such as <c>scheduler.max_polecats</c>.</summary>
    public async Task<int> ConfigGetIntAsync(string key, CancellationToken cancellationToken = default)
    {
        var text = await ConfigGetAsync(key, cancellationToken).ConfigureAwait(false);
        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new GtCommandException(DisplayCommand(["config", "get", key]), $"`{DisplayCommand(["config", "get", key])}` printed \"{text}\", expected an integer");
    }

    // ---------------------------------------------------------------- dispatch

    /// <summary>
    /// <c>gt sling &lt;bead&gt; &lt;target&gt; --agent &lt;type&gt; [--create] [--args &lt;text&gt;]</c>. gt prints
    /// text only (no JSON), so success is the exit code. Returns stdout.
    /// </summary>
    /// <param name="target"><c>&lt;rig&gt;</c> (gt picks or spawns a polecat) or <c>&lt;rig&gt;/&lt;polecat&gt;</c>.</param>
    /// <param name="agentType">Null: gt's default agent.</param>
    public async Task<string> SlingAsync(string bead, string target, string? agentType, string? args = null, bool create = true, CancellationToken cancellationToken = default)
    {
        Names.EnsureValid(bead, "bead id");
        EnsureTarget(target);
        if (agentType is not null) Names.EnsureValid(agentType, "agent type");
        if (args is not null && (args.Length == 0 || args.StartsWith('-')))
            throw new ArgumentException($"sling args '{args}' must be non-empty and must not start with '-'", nameof(args));

        List<string> arguments = ["sling", bead, target];
        if (agentType is not null) arguments.AddRange(["--agent", agentType]);
        if (create) arguments.Add("--create");
        if (args is not null) arguments.AddRange(["--args", args]);
        var result = await RunCheckedAsync(arguments, cancellationToken).ConfigureAwait(false);
        return result.Stdout;
    }

    /// <summary><c>gt unsling &lt;bead&gt; [--force]</c>: the bead goes back from hooked to open.</summary>
    public async Task UnslingAsync(string bead, bool force = false, CancellationToken cancellationToken = default)
    {
        Names.EnsureValid(bead, "bead id");
        List<string> arguments = ["unsling", bead];
        if (force) arguments.Add("--force");
        await RunCheckedAsync(arguments, cancellationToken).ConfigureAwait(false);
    }

    /// <summary><c>gt handoff &lt;rig&gt;/&lt;name&gt;</c>: a fresh session for the polecat, worktree kept.</summary>
    public async Task HandoffAsync(string rig, string name, CancellationToken cancellationToken = default)
    {
        Names.EnsureValid(rig, "rig");
        Names.EnsureValid(name, "polecat");
        await RunCheckedAsync(["handoff", $"{rig}/{name}"], cancellationToken).ConfigureAwait(false);
    }

    // ---------------------------------------------------------------- editor mutations (GtRun: the UI shows them)
    // Each mutation is planned as an argument list first, so the editor's modal shows exactly what runs.

    public Task<GtRun> ConfigSetAsync(string key, int value, CancellationToken cancellationToken = default) =>
        RunEditorCommandAsync(ConfigSetArguments(key, value), cancellationToken);

    public Task<GtRun> RigAddAsync(string name, string? gitUrl = null, CancellationToken cancellationToken = default) =>
        RunEditorCommandAsync(RigAddArguments(name, gitUrl), cancellationToken);

    public Task<GtRun> PolecatIdentityAddAsync(string rig, string name, CancellationToken cancellationToken = default) =>
        RunEditorCommandAsync(PolecatIdentityAddArguments(rig, name), cancellationToken);

    /// <summary>
    /// <c>gt config set &lt;key&gt; &lt;value&gt;</c>. gt accepts -1 for scheduler.max_polecats; a negative
    /// value goes after <c>--</c> so cobra does not read it as a flag.
    /// </summary>
    public static IReadOnlyList<string> ConfigSetArguments(string key, int value)
    {
        EnsureConfigKey(key);
        var text = value.ToString(CultureInfo.InvariantCulture);
        return value < 0 ? ["config", "set", key, "--", text] : ["config", "set", key, text];
    }

    /// <summary>
    /// The real form of seed 003's "gt rig create": <c>gt rig add &lt;name&gt; &lt;git-url&gt;</c> (clones), or
    /// <c>gt rig add &lt;name&gt; --adopt</c> for an existing directory in the town when no URL is given.
    /// </summary>
    public static IReadOnlyList<string> RigAddArguments(string name, string? gitUrl)
    {
        Names.EnsureValid(name, "rig");
        if (gitUrl is null) return ["rig", "add", name, "--adopt"];
        EnsureGitUrl(gitUrl);
        return ["rig", "add", name, gitUrl];
    }

    /// <summary>The real form of seed 003's "gt polecat create": <c>gt polecat identity add &lt;rig&gt; &lt;name&gt;</c>.</summary>
    public static IReadOnlyList<string> PolecatIdentityAddArguments(string rig, string name)
    {
        Names.EnsureValid(rig, "rig");
        Names.EnsureValid(name, "polecat");
        return ["polecat", "identity", "add", rig, name];
    }

    /// <summary>
    /// Runs an argument list built by one of the three planners above and nothing else: the list is
    /// rebuilt from its own parts, which re-validates every name, URL and key.
    /// </summary>
    public Task<GtRun> RunEditorCommandAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken = default)
    {
        IReadOnlyList<string>? replanned = arguments switch
        {
            ["config", "set", var key, "--", var value] => ConfigSetArguments(key, ParseInt(value)),
            ["config", "set", var key, var value] => ConfigSetArguments(key, ParseInt(value)),
            ["rig", "add", var name, "--adopt"] => RigAddArguments(name, null),
            ["rig", "add", var name, var url] => RigAddArguments(name, url),
            ["polecat", "identity", "add", var rig, var name] => PolecatIdentityAddArguments(rig, name),
            _ => null,
        };
        if (replanned is null || !replanned.SequenceEqual(arguments, StringComparer.Ordinal))
            throw new ArgumentException($"`{DisplayCommand(arguments)}` is not one of the editor's gt commands");
        var clones = arguments is ["rig", "add", _, var target] && target != "--adopt";
        return RunMutationAsync(arguments, clones && CloneTimeout > _timeout ? CloneTimeout : _timeout, cancellationToken);
    }

    private static int ParseInt(string text) =>
        int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new ArgumentException($"'{text}' is not an integer");

    // ---------------------------------------------------------------- process plumbing

    /// <summary>For messages and the UI only: arguments are always passed as a list, never through a shell.</summary>
    public static string DisplayCommand(IReadOnlyList<string> arguments) => ProcessRunner.Display("gt", arguments);

    private async Task<GtRun> RunMutationAsync(IReadOnlyList<string> arguments, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var result = await RunAsync(arguments, timeout, cancellationToken).ConfigureAwait(false);
        if (!result.Ok) LogMutationFailed(result.Command, result.ExitCode, result.FirstStderrLine);
        return result.ToRun();
    }

    private async Task<GtResult> RunCheckedAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var result = await RunAsync(arguments, _timeout, cancellationToken).ConfigureAwait(false);
        return result.Ok ? result : throw result.Fail("failed");
    }

    /// <summary>A probe that may fail without failing the probe: null when gt could not answer in time.</summary>
    private async Task<GtResult?> TryProbeAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        try
        {
            return await RunAsync(arguments, _probeTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (GtCommandException ex)
        {
            LogProbeFailed(ex.Command, ex.Message);
            return null;
        }
    }

    private async Task<HashSet<string>?> SubcommandsAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var help = await TryProbeAsync(arguments, cancellationToken).ConfigureAwait(false);
        return help is { Ok: true, IsUnknownCommand: false } ? ParseSubcommands(help.Stdout + "\n" + help.Stderr) : null;
    }

    private async Task<GtResult> RunAsync(IReadOnlyList<string> arguments, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var command = DisplayCommand(arguments);
        var executable = ProcessRunner.Resolve(_options.Executable) ?? throw NotFound(command, null);

        var environment = new Dictionary<string, string?>(StringComparer.Ordinal);
        if (_options.TownRoot is { } town) environment["GT_TOWN_ROOT"] = town;
        if (_options.Environment is { } extra)
            foreach (var (key, value) in extra) environment[key] = value;
        var workingDirectory = _options.TownRoot is { } root && Directory.Exists(root) ? root : Environment.CurrentDirectory;

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var started = _time.GetTimestamp();
            var result = await ProcessRunner.RunAsync(executable, arguments, timeout, environment: environment, workingDirectory: workingDirectory,
                time: _time, displayName: "gt", cancellationToken: cancellationToken).ConfigureAwait(false);
            LogCall(command, result.ExitCode, _time.GetElapsedTime(started).TotalMilliseconds);
            return new GtResult(command, result.ExitCode, result.StandardOutput, result.StandardError);
        }
        catch (ProcessRunException ex) when (ex.TimedOut)
        {
            throw new GtCommandException(command, ex.Message, null, null, ex.InnerException);
        }
        catch (ProcessRunException ex)
        {
            throw NotFound(command, ex.InnerException);
        }
        finally
        {
            _gate.Release();
        }
    }

    private GtCommandException NotFound(string command, Exception? inner)
    {
        var exe = _options.Executable;
        var where = exe.Contains(Path.DirectorySeparatorChar) || exe.Contains(Path.AltDirectorySeparatorChar) || Path.IsPathRooted(exe)
            ? $"{exe} not found or not executable"
            : exe == "gt" ? "gt not found on PATH" : $"gt ({exe}) not found on PATH";
        var detail = inner is null ? "" : $": {inner.Message}";
        return new GtCommandException(command, $"{where} ({NotFoundAdvice}){detail}", null, null, inner);
    }

    // ---------------------------------------------------------------- parsing and validation

    [GeneratedRegex(@"v?(\d+\.\d+(?:\.\d+)?(?:[-+][0-9A-Za-z.+-]+)?)")]
    private static partial Regex VersionNumber();

    [GeneratedRegex(@"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")]
    private static partial Regex ConfigKey();

    [GeneratedRegex(@"^\s{2,}([a-z][a-z0-9-]*)(\s|$)")]
    private static partial Regex HelpCommandLine();

    internal static string ParseVersion(string output)
    {
        var first = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "";
        var match = VersionNumber().Match(first);
        return match.Success ? match.Groups[1].Value : first.Length == 0 ? "unknown" : first;
    }

    private static bool IsBelow(string version, int major, int minor)
    {
        var parts = version.Split('.', '-', '+');
        return parts.Length >= 2
            && int.TryParse(parts[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var ma)
            && int.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var mi)
            && (ma < major || (ma == major && mi < minor));
    }

    /// <summary>
    /// Subcommand names from cobra help: the indented first words under any command section
    /// ("Available Commands:", gt's own group titles), never under Usage/Flags/Examples/Aliases.
    /// </summary>
    internal static HashSet<string> ParseSubcommands(string help)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var inCommands = false;
        foreach (var raw in help.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.Length == 0) continue;
            if (!char.IsWhiteSpace(line[0]))
            {
                var header = line.Trim();
                inCommands = header.EndsWith(':')
                    && !header.StartsWith("Usage", StringComparison.OrdinalIgnoreCase)
                    && !header.Contains("Flags", StringComparison.OrdinalIgnoreCase)
                    && !header.StartsWith("Example", StringComparison.OrdinalIgnoreCase)
                    && !header.StartsWith("Aliases", StringComparison.OrdinalIgnoreCase);
                continue;
            }
            if (inCommands && HelpCommandLine().Match(line) is { Success: true } match) names.Add(match.Groups[1].Value);
        }
        return names;
    }

    private static bool IsPlainTextEmpty(string stdout, string noun)
    {
        var text = stdout.Trim();
        return text.Length == 0 || text.StartsWith($"No {noun}", StringComparison.OrdinalIgnoreCase);
    }

    private static string ProbeDetail(GtResult? result) =>
        result is null ? "; the probe timed out" : result.FirstStderrLine.Length == 0 ? "" : $": {result.FirstStderrLine}";

    private static void EnsureConfigKey(string key)
    {
        if (key is null || key.Length > 128 || !ConfigKey().IsMatch(key))
            throw new ArgumentException($"config key '{key}' is not valid: dotted lower-case words such as scheduler.max_polecats", nameof(key));
    }

    /// <summary><c>&lt;rig&gt;</c>, <c>&lt;rig&gt;/&lt;polecat&gt;</c> or <c>&lt;rig&gt;/polecats/&lt;polecat&gt;</c>, each part a valid name.</summary>
    private static void EnsureTarget(string target)
    {
        var parts = (target ?? "").Split('/');
        if (parts.Length is < 1 or > 3 || !parts.All(Names.IsValid))
            throw new ArgumentException($"sling target '{target}' is not valid: use <rig> or <rig>/<polecat> with valid names", nameof(target));
    }

    private static void EnsureGitUrl(string url)
    {
        if (url.Length == 0 || url.Length > 2048 || url.StartsWith('-') || url.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
            throw new ArgumentException($"git URL '{url}' is not valid: no spaces or control characters, and it must not start with '-'", nameof(url));
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Command} exited {ExitCode} in {ElapsedMs:0} ms")]
    private partial void LogCall(string command, int exitCode, double elapsedMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "gt {Version} is older than 1.0.0, the version gemba's Gas Town plane was written against")]
    private partial void LogOldVersion(string version);

    [LoggerMessage(Level = LogLevel.Information, Message = "gt {Version}: handoff {HasHandoff}, sling --json {HasSlingJson}; missing: {Missing}")]
    private partial void LogProbed(string version, bool hasHandoff, bool hasSlingJson, string missing);

    [LoggerMessage(Level = LogLevel.Debug, Message = "gt probe {Command} failed: {Message}")]
    private partial void LogProbeFailed(string command, string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Command} exited {ExitCode}: {FirstStderrLine}")]
    private partial void LogMutationFailed(string command, int exitCode, string firstStderrLine);
}
