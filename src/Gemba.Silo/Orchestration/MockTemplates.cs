using System.Collections.Concurrent;
using System.Text.RegularExpressions;

namespace Gemba.Silo.Orchestration;

/// <summary>
/// The mock plane's template library (original §5): a bead's <c>template:</c> frontmatter, or the
/// first title keyword that matches, picks what the simulated agent does. No match is a failure,
/// not a silent success, so a demo or test that lacks a template says so.
/// </summary>
internal sealed partial class MockTemplates
{
    public static readonly IReadOnlyList<string> Names =
        ["init-repo", "npm-install", "write-component", "write-test", "build", "serve", "noop", "error-then-recover", "fail"];

    private static readonly (Regex Pattern, string Template)[] TitleRules =
    [
        (InitRepo(), "init-repo"),
        (NpmInstall(), "npm-install"),
        (WriteTest(), "write-test"),
        (WriteComponent(), "write-component"),
        (Build(), "build"),
        (Serve(), "serve"),
        (Noop(), "noop"),
    ];

    private readonly ConcurrentDictionary<string, int> _attempts = new(StringComparer.Ordinal);

    public static string? Pick(string? frontmatterTemplate, string title)
    {
        if (!string.IsNullOrWhiteSpace(frontmatterTemplate)) return frontmatterTemplate.Trim();
        var lowered = title.ToLowerInvariant();
        foreach (var (pattern, template) in TitleRules)
            if (pattern.IsMatch(lowered)) return template;
        return null;
    }

    /// <summary>Null on success, otherwise the failure reason.</summary>
    public string? Run(string template, string beadId) => template switch
    {
        "init-repo" or "npm-install" or "write-component" or "write-test" or "build" or "serve" or "noop" => null,
        "error-then-recover" => _attempts.AddOrUpdate(beadId, 1, (_, n) => n + 1) == 1
            ? $"mock: template error-then-recover failed its first attempt at {beadId}"
            : null,
        "fail" => $"mock: template fail always fails ({beadId})",
        _ => $"mock: unknown template '{template}' for {beadId} (known: {string.Join(", ", Names)})",
    };

    [GeneratedRegex(@"init repo|git init|package\.json|vite\.config")]
    private static partial Regex InitRepo();

    [GeneratedRegex(@"npm install|node_modules")]
    private static partial Regex NpmInstall();

    [GeneratedRegex(@"test\.tsx|vitest|spec")]
    private static partial Regex WriteTest();

    [GeneratedRegex(@"\.tsx|\.ts|component|temperaturerows|temperature.*table")]
    private static partial Regex WriteComponent();

    [GeneratedRegex(@"\bbuild\b|vite build|rebuild")]
    private static partial Regex Build();

    [GeneratedRegex(@"\bserve\b|preview")]
    private static partial Regex Serve();

    [GeneratedRegex(@"tsconfig|index\.html|main\.tsx")]
    private static partial Regex Noop();
}
