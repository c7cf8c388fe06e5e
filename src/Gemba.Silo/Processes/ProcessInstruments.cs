using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Gemba.Silo.Processes;

/// <summary>
/// The duration of every external call (bd, gt, tmux, git) by program and result. A static meter,
/// because <see cref="ProcessRunner"/> is the one static way out of the process and needs no host.
/// </summary>
internal static class ProcessInstruments
{
    public const string MeterName = "Gemba.Processes";

    private static readonly Meter Meter = new(MeterName);

    private static readonly Histogram<double> Duration = Meter.CreateHistogram<double>("gemba.process.duration", unit: "ms",
        description: "Duration of a call to an external program (bd, gt, tmux, git), by program and result");

    /// <param name="result"><c>ok</c> (exit 0), <c>failed</c> (another exit code), <c>timeout</c> or <c>not-started</c>.</param>
    public static void Record(string program, string result, TimeSpan elapsed)
    {
        if (!Duration.Enabled) return;
        Duration.Record(elapsed.TotalMilliseconds, new TagList { { "gemba.program", program }, { "gemba.result", result } });
    }
}
