using System.CommandLine;

namespace Gemba.Silo.Commands;

/// <summary>The <c>gemba</c> command: serve, demo, config check, state.</summary>
internal static class GembaCommandLine
{
    public static Task<int> RunAsync(string[] args)
    {
        var root = new RootCommand("Gemba: dispatches ready beads to pooled AI agent sessions on an Orleans cluster.")
        {
            ServeCommand.Create(),
            DemoCommand.Create(),
            ConfigCommand.Create(),
            StateCommand.Create(),
        };
        return root.Parse(args).InvokeAsync();
    }
}
