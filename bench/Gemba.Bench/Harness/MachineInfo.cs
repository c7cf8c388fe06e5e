using System.Runtime;
using System.Runtime.InteropServices;

namespace Gemba.Bench.Harness;

/// <summary>What the numbers were measured on: they mean nothing without it.</summary>
internal sealed record MachineInfo(string Cpu, int Cores, string Ram, string Os, string Dotnet, string Gc, string Load, DateTimeOffset At)
{
    public static MachineInfo Capture() => new(
        ReadCpu(), Environment.ProcessorCount, ReadRam(), RuntimeInformation.OSDescription,
        RuntimeInformation.FrameworkDescription,
        GCSettings.IsServerGC ? "server" : "workstation",
        LoadAverage(),
        DateTimeOffset.UtcNow);

    public IEnumerable<string> Lines()
    {
        yield return $"CPU: {Cpu} ({Cores} logical cores)";
        yield return $"RAM: {Ram}";
        yield return $"OS: {Os}";
        yield return $".NET: {Dotnet}, {Gc} GC, Release build";
        yield return $"Load average at start: {Load}";
        yield return $"Date: {At:yyyy-MM-dd HH:mm} UTC";
    }

    private static string ReadCpu() =>
        ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
        ?? RuntimeInformation.ProcessArchitecture.ToString();

    private static string ReadRam()
    {
        var line = ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
        if (line is null || !long.TryParse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], out var kb)) return "unknown";
        return $"{kb / 1024.0 / 1024.0:0.0} GiB";
    }

    private static string LoadAverage() =>
        ReadLines("/proc/loadavg").FirstOrDefault() is { } l ? string.Join(' ', l.Split(' ').Take(3)) : "unknown";

    private static IEnumerable<string> ReadLines(string path) => File.Exists(path) ? File.ReadLines(path) : [];
}
