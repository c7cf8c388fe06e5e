using System.Text;

namespace Gemba.Bench.Stack;

/// <summary>A throw-away gemba workspace on disk: pool.toml, agents.toml, personas, issues.jsonl, state dir.</summary>
internal sealed class Workspace : IDisposable
{
    public const string GateHolder = "bench-gate";

    private Workspace(string root) => Root = root;

    public string Root { get; }
    public string BeadsDir => Path.Combine(Root, ".beads");
    public string GembaDir => Path.Combine(Root, ".gemba");
    public string PoolToml => Path.Combine(GembaDir, "pool.toml");
    public string AgentsToml => Path.Combine(GembaDir, "agents.toml");
    public string PersonasDir => Path.Combine(GembaDir, "personas");
    public string StateDir => Path.Combine(GembaDir, "state");

    /// <param name="personas">One pool per persona in scope <c>local</c>, each of <paramref name="size"/> members.</param>
    /// <param name="beadLines">The initial issues.jsonl, one JSON object per line.</param>
    /// <param name="maxConcurrent">Per-pool cap on members working at once; 0 = the pool size.</param>
    public static Workspace Create(IReadOnlyList<string> personas, int size, IEnumerable<string> beadLines, int maxConcurrent = 0)
    {
        var root = Path.Combine(Path.GetTempPath(), $"gemba-bench-{Environment.ProcessId}-{Guid.NewGuid():N}"[..40]);
        var ws = new Workspace(root);
        Directory.CreateDirectory(ws.BeadsDir);
        Directory.CreateDirectory(ws.PersonasDir);
        Directory.CreateDirectory(ws.StateDir);

        // floor 0: the e2e measures are about the pipeline, so scoring policy must never hold a bead
        // back; what scoring costs at scale is the planner measure's job.
        var pool = new StringBuilder("[pool]\nreserved_for_manual = 1\n\n");
        foreach (var p in personas)
            pool.Append($"[pool.local.{p}]\nsize = {size}\nagent_type = \"claude\"\nfloor = 0.0\nrecycle_after_beads = 20\nidle_ceiling_minutes = 600\nmax_concurrent = {maxConcurrent}\n\n");
        File.WriteAllText(ws.PoolToml, pool.ToString());
        File.WriteAllText(ws.AgentsToml,
            $"[[agent]]\nname = \"claude\"\nbinary = \"claude\"\npreamble = \"claude_md\"\nhooks = \"claude_code\"\nintra_parallel = true\nmax_parallel = {personas.Count * size + 1}\n");
        foreach (var p in personas)
            File.WriteAllText(Path.Combine(ws.PersonasDir, p + ".toml"), $"[persona]\nname = \"{p}\"\nagent_type = \"claude\"\nprompt = \"Benchmark persona.\"\n");
        File.WriteAllLines(Path.Combine(ws.BeadsDir, "issues.jsonl"), beadLines);
        return ws;
    }

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); }
        catch (IOException) { /* a straggling file handle; /tmp gets cleaned anyway */ }
    }
}
