using System.CommandLine;

namespace Gemba.Silo.Commands;

/// <summary>The <c>gemba</c> command: serve, gateway, demo, config check, state.</summary>
internal static class GembaCommandLine
{
    public static Task<int> RunAsync(string[] args)
    {
        var root = new RootCommand("Gemba: dispatches ready beads to pooled AI agent sessions on an Orleans cluster.")
        {
            ServeCommand.Create(),
            ServeCommand.CreateGateway(),
            DemoCommand.Create(),
            ConfigCommand.Create(),
            StateCommand.Create(),
        };
        // On SIGTERM/Ctrl-C the command line cancels serve and, by default, exits 143 after 2 s: too
        // short for a silo to leave its cluster and write its grains' state. A stop that hangs still ends.
        return root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(15) });
    }
}
