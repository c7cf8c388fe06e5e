using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Gemba.Functional.Tests;

/// <summary>How <c>gemba serve</c> behaves as a process: a quiet start, a prompt clean stop, one line for a taken port.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ProcessBehaviourTests
{
    private static TempDir Project()
    {
        var dir = new TempDir();
        dir.File(".gemba/pool.toml", "[pool]\ndefault_persona = \"engineer\"\n\n[pool.local.engineer]\nsize = 1\n");
        dir.File(".gemba/personas/engineer.toml", "name = \"Engineer\"\n");
        dir.File(".beads/issues.jsonl", "");
        return dir;
    }

    [Fact]
    public async Task Start_up_has_no_watchdog_warning()
    {
        using var dir = Project();
        await using var served = await ServedGemba.StartAsync(dir.Path, null, "--orchestration", "mock", "--prometheus");
        // The watchdog has looked at least once when its own health-check counter moved.
        await Waits.Eventually(TimeSpan.FromSeconds(30), async () =>
            (await served.Http.GetStringAsync("metrics")).Split('\n').Any(l => l.StartsWith("orleans_watchdog_health_checks", StringComparison.Ordinal) && !l.EndsWith(" 0", StringComparison.Ordinal)),
            served.Gemba, () => "the Orleans watchdog's health-check counter on /metrics");
        var output = served.Gemba.Stdout + served.Gemba.Stderr;
        Assert.DoesNotContain("Participant check thread has not completed", output);
        Assert.DoesNotContain("Runtime Platform stalled", output);
    }

    [Fact]
    public async Task Sigterm_with_an_event_stream_client_connected_exits_zero_promptly()
    {
        using var dir = Project();
        await using var served = await ServedGemba.StartAsync(dir.Path, null, "--orchestration", "mock");
        using var stream = await served.Http.GetAsync("api/events", HttpCompletionOption.ResponseHeadersRead);
        stream.EnsureSuccessStatusCode();
        using var reader = new StreamReader(await stream.Content.ReadAsStreamAsync());
        Assert.Equal(": gemba event stream", await reader.ReadLineAsync());

        var stopping = Stopwatch.StartNew();
        Signal(served.Gemba.Pid, "TERM");
        var code = await served.Gemba.WaitForExitAsync(TimeSpan.FromSeconds(30));
        Assert.True(code == 0, $"exit code {code} after {stopping.Elapsed} (143: still running when the command line's termination timeout ran out)\n{served.Gemba.Stdout}\n{served.Gemba.Stderr}");
        // The stream was ended by the server, not cut: the client reads its end.
        Assert.Null(await ReadToEndOrNull(reader));
    }

    [Theory]
    [InlineData("--port")]
    [InlineData("--silo-port")]
    [InlineData("--gateway-port")]
    public async Task A_port_in_use_is_one_clear_line_and_a_non_zero_exit(string flag)
    {
        using var dir = Project();
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        var taken = ((IPEndPoint)holder.LocalEndpoint).Port;
        var port = flag == "--port" ? taken : GembaProcess.FreePort();
        string[] args = ["serve", "--orchestration", "mock", "--work-plane", "jsonl", "--port", port.ToString(), "--quiet"];
        if (flag != "--port") args = [.. args, flag, taken.ToString()];

        var (code, stdout, stderr) = await GembaProcess.RunAsync(dir.Path, null, args);

        Assert.Equal(1, code);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains($"{flag} {taken}", line);
        Assert.Contains("already in use", line);
        Assert.DoesNotContain("   at ", stdout + stderr);
    }

    private static void Signal(int pid, string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-" + signal, pid.ToString() } })!;
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }

    /// <summary>Whatever is left of the stream after the server ended it; null once it is at its end.</summary>
    private static async Task<string?> ReadToEndOrNull(StreamReader reader)
    {
        string? line;
        do line = await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10));
        while (line is not null && (line.Length == 0 || line.StartsWith(':') || line.StartsWith("event:") || line.StartsWith("data:")));
        return line;
    }
}
