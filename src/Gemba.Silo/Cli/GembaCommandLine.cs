namespace Gemba.Silo.Cli;

internal static class GembaCommandLine
{
    public static Task<int> RunAsync(string[] args) => Task.FromResult(0);
}
