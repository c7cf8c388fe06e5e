using System.CommandLine;
using Gemba.Silo.Hosting;

namespace Gemba.Silo.Commands;

/// <summary>
/// <c>gemba demo</c>: copies the bundled demo workspace (beads, pool.toml, agents.toml, personas)
/// to a fresh directory and serves it on the mock plane, so a newcomer sees dispatch at once.
/// </summary>
internal static class DemoCommand
{
    private static readonly Option<int> Port = new("--port") { Description = "HTTP port", DefaultValueFactory = _ => 7666 };
    private static readonly Option<string?> Dir = new("--dir") { Description = "Where to put the demo workspace (default: a new temporary directory)" };
    private static readonly Option<double> Tick = new("--tick") { Description = "Backstop dispatch period in seconds", DefaultValueFactory = _ => 10 };

    public static Command Create()
    {
        var command = new Command("demo", "Serve a bundled demo workspace with the mock agent plane") { Port, Dir, Tick };
        command.SetAction((parse, cancel) =>
        {
            var dir = parse.GetValue(Dir) ?? Path.Combine(Path.GetTempPath(), $"gemba-demo-{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Environment.ProcessId}");
            CopyWorkspace(Path.Combine(AppContext.BaseDirectory, "samples", "demo"), dir);
            Console.WriteLine($"▶ demo workspace: {dir}");
            return ServeCommand.RunAsync(new ServeOptions
            {
                BeadsDir = Path.Combine(dir, ".beads"),
                Orchestration = "mock",
                WorkPlane = "jsonl",
                PoolConfig = Path.Combine(dir, ".gemba", "pool.toml"),
                AgentsRegistry = Path.Combine(dir, ".gemba", "agents.toml"),
                PersonasDir = Path.Combine(dir, ".gemba", "personas"),
                StateDir = Path.Combine(dir, ".gemba", "state"),
                Port = parse.GetValue(Port),
                Tick = TimeSpan.FromSeconds(Math.Max(0.05, parse.GetValue(Tick))),
            }, cancel);
        });
        return command;
    }

    private static void CopyWorkspace(string from, string to)
    {
        if (!Directory.Exists(from)) throw new DirectoryNotFoundException($"the demo workspace is missing from this build: {from}");
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            if (!File.Exists(target)) File.Copy(file, target);
        }
    }
}
