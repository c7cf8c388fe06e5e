namespace Gemba.Config;

public sealed record ResolveResult(ResolvedConfig Config, IReadOnlyList<ConfigFinding> Findings);
