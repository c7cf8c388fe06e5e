using System.Text.RegularExpressions;
using Gemba.Pools;
using Tomlyn.Syntax;

namespace Gemba.Config;

/// <summary>
/// agents.toml: the agent runtimes this host can launch, and the host's pane cap.
/// </summary>
public sealed class AgentsRegistry
{
    private static readonly HashSet<string> Preambles = new(StringComparer.Ordinal) { "claude_md", "first_message", "codex_exec", "stdout_banner" };
    private static readonly HashSet<string> HookKinds = new(StringComparer.Ordinal) { "claude_code", "prompt_command", "none" };
    /// <summary>Keys of the original schema we accept without modelling them.</summary>
    private static readonly HashSet<string> Passive = new(StringComparer.Ordinal) { "container", "interaction_profile" };

    private AgentsRegistry(IReadOnlyList<AgentDefinition> agents, IReadOnlyList<ConfigFinding> findings)
    {
        Agents = agents;
        Findings = findings;
        MaxParallel = agents.Select(a => a.MaxParallel ?? 0).DefaultIfEmpty(0).Max();
    }

    public static AgentsRegistry Empty { get; } = new([], []);

    public IReadOnlyList<AgentDefinition> Agents { get; }

    public IReadOnlyList<ConfigFinding> Findings { get; }

    /// <summary>
    /// The host pane cap for the pool clamp: the largest <c>max_parallel</c> of any agent, whatever
    /// its <c>intra_parallel</c>; 0 (no clamp) when none declares it. The original counted an agent
    /// without <c>intra_parallel = true</c> as 1, which with the default reserved_for_manual of 1
    /// clamped every pool of a default install to zero.
    /// </summary>
    public int MaxParallel { get; }

    public AgentDefinition? Find(string name) => Agents.FirstOrDefault(a => a.Name == name);

    /// <summary>A missing file is an empty registry without findings: agents.toml is optional.</summary>
    public static AgentsRegistry Load(string path) =>
        File.Exists(path) ? Parse(File.ReadAllText(path), path) : Empty;

    /// <summary>Never throws on bad input; an agent with errors in its identity is skipped, other errors fall back to defaults.</summary>
    public static AgentsRegistry Parse(string text, string path)
    {
        var source = TomlSource.Parse(text, path);
        var findings = new List<ConfigFinding>(source.Findings);
        foreach (var duplicate in source.Duplicates)
            findings.Add(source.Finding(duplicate.At, FindingSeverity.Error,
                $"duplicate key {Describe(duplicate.Path)}: first declared at line {TomlText.Position(duplicate.FirstAt).Line}; this one is ignored"));

        var builders = new List<Builder>();
        foreach (var item in source.Items)
        {
            if (item.Path is ["agent", var index, ..] && index.StartsWith(TomlSource.ArrayIndex))
            {
                if (item.Kind == TomlItemKind.TableArrayElement)
                    builders.Add(new Builder(item.At));
                else
                    builders[^1].Read(item, source, findings);
            }
            else if (item.Path is ["agent"] or ["agent", ..])
            {
                if (item.Path.Count == 1)
                    findings.Add(source.Finding(item.At, FindingSeverity.Error, "agent: write each agent as an [[agent]] table"));
            }
            else if (item.Path.Count == 1)
            {
                findings.Add(source.Finding(item.At, FindingSeverity.Warning, $"{Describe(item.Path)}: unknown top-level key; agents.toml holds [[agent]] tables; ignored"));
            }
        }

        var agents = new List<AgentDefinition>();
        foreach (var builder in builders)
        {
            if (builder.Build(source, findings) is not { } agent)
                continue;
            if (agents.Any(a => a.Name == agent.Name))
            {
                findings.Add(source.Finding(builder.NameAt!, FindingSeverity.Error, $"agent \"{agent.Name}\" is declared twice; this one is ignored"));
                continue;
            }
            agents.Add(agent);
        }
        return new AgentsRegistry(agents, [.. findings.OrderBy(f => f.Line).ThenBy(f => f.Column)]);
    }

    private static string Describe(IReadOnlyList<string> path) =>
        TomlText.Dotted(path.Where(s => !s.StartsWith(TomlSource.ArrayIndex)));

    private sealed class Builder(SyntaxNode header)
    {
        private string? _name, _binary, _model, _preamble, _hooks, _preambleText, _readyPattern;
        private ConfigPosition? _binaryAt;
        private List<string> _args = [];
        private InteractionMode _mode = InteractionMode.Balanced;
        private bool _intraParallel;
        private int? _maxParallel;
        private readonly Dictionary<string, string> _env = new(StringComparer.Ordinal);

        public SyntaxNode? NameAt { get; private set; }

        public void Read(TomlItem item, TomlSource source, List<ConfigFinding> findings)
        {
            var key = item.Path[2];
            var name = Describe(item.Path);
            void Error(string message) => findings.Add(source.Finding(item.ValueAt, FindingSeverity.Error, $"{name}: {message}"));
            void TypeError(string expected) =>
                Error($"expected {expected}, found {(item.Value is null || item.Kind != TomlItemKind.Value ? "a table" : TomlText.Describe(item.Value))}");
            string? Text()
            {
                if (item.Value is StringValueSyntax s && item.Kind == TomlItemKind.Value)
                    return s.Value ?? "";
                TypeError("a string");
                return null;
            }

            if (key == "env")
            {
                if (item.Path.Count == 3 && item.Kind == TomlItemKind.Value)
                    TypeError("a table of strings");
                else if (item.Path.Count == 4 && Text() is { } value)
                    _env[item.Path[3]] = value;
                return;
            }
            if (item.Path.Count > 3 || Passive.Contains(key))
                return;

            switch (key)
            {
                case "name":
                    _name = Text();
                    NameAt = item.ValueAt;
                    break;
                case "binary":
                    _binary = Text();
                    if (_binary is not null)
                    {
                        var (line, column) = TomlText.Position(item.At);
                        _binaryAt = new ConfigPosition(source.File, line, column);
                    }
                    break;
                case "preamble_text": _preambleText = Text(); break;
                case "ready_pattern":
                    if (Text() is { } pattern)
                    {
                        if (CompileError(pattern) is { } problem)
                            Error($"is not a valid regular expression: {problem}");
                        else
                            _readyPattern = pattern;
                    }
                    break;
                case "model": _model = Text(); break;
                case "preamble":
                    _preamble = Text();
                    if (_preamble is not null && !Preambles.Contains(_preamble))
                        findings.Add(source.Finding(item.ValueAt, FindingSeverity.Warning, $"{name}: unknown preamble \"{_preamble}\" (known: {string.Join(", ", Preambles)})"));
                    break;
                case "hooks":
                    _hooks = Text();
                    if (_hooks is not null && !HookKinds.Contains(_hooks))
                        findings.Add(source.Finding(item.ValueAt, FindingSeverity.Warning, $"{name}: unknown hooks \"{_hooks}\" (known: {string.Join(", ", HookKinds)})"));
                    break;
                case "interaction_mode":
                    if (Text() is { } mode)
                    {
                        if (mode is "dangerous" or "balanced" or "cautious")
                            _mode = Enum.Parse<InteractionMode>(mode, ignoreCase: true);
                        else
                            Error($"must be dangerous, balanced or cautious, found \"{mode}\"");
                    }
                    break;
                case "intra_parallel":
                    if (item.Value is BooleanValueSyntax b && item.Kind == TomlItemKind.Value)
                        _intraParallel = b.Value;
                    else
                        TypeError("a boolean");
                    break;
                case "max_parallel":
                    if (item.Value is not IntegerValueSyntax i || item.Kind != TomlItemKind.Value)
                        TypeError("an integer");
                    else if (i.Value is < 1 or > int.MaxValue)
                        Error($"must be 1 or more, found {TomlText.Integer(i.Value)}");
                    else
                        _maxParallel = (int)i.Value;
                    break;
                case "args":
                    if (item.Value is ArraySyntax array && item.Kind == TomlItemKind.Value
                        && array.Items.All(a => a.Value is StringValueSyntax))
                        _args = [.. array.Items.Select(a => ((StringValueSyntax)a.Value!).Value ?? "")];
                    else
                        TypeError("an array of strings");
                    break;
                default:
                    findings.Add(source.Finding(item.At, FindingSeverity.Warning, $"{name}: unknown key; ignored"));
                    break;
            }
        }

        public AgentDefinition? Build(TomlSource source, List<ConfigFinding> findings)
        {
            if (NameAt is null)
            {
                findings.Add(source.Finding(header, FindingSeverity.Error, "[[agent]] has no name; this agent is ignored"));
                return null;
            }
            if (_name is null)
                return null; // wrong type, already reported

            if (!Names.IsValid(_name))
            {
                findings.Add(source.Finding(NameAt!, FindingSeverity.Error,
                    $"agent name \"{_name}\" is not a valid name: use letters, digits, '.', '_' or '-', starting with a letter or digit; this agent is ignored"));
                return null;
            }
            return new AgentDefinition(_name, string.IsNullOrEmpty(_binary) ? _name : _binary, _args, _model, _preamble, _hooks,
                _mode, _intraParallel, _maxParallel, _env, _preambleText, _readyPattern, _binaryAt);
        }

        private static string? CompileError(string pattern)
        {
            if (pattern.Length == 0) return "it is empty";
            try
            {
                _ = new Regex(pattern, RegexOptions.None, TimeSpan.FromSeconds(1));
                return null;
            }
            catch (ArgumentException ex)
            {
                return ex.Message;
            }
        }
    }
}
