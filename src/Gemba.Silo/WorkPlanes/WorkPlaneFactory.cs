using Gemba.WorkPlanes;
using Microsoft.Extensions.Logging;

namespace Gemba.Silo.WorkPlanes;

/// <summary>Chooses and builds the work plane named by the <c>--work-plane</c> setting.</summary>
public static class WorkPlaneFactory
{
    /// <summary>The <c>--actor</c>-less audit identity gemba uses towards bd.</summary>
    public const string DefaultActor = "gemba";

    /// <param name="kind"><c>auto</c> (bd when it is on PATH and the directory holds a bd database, else jsonl), <c>bd</c> or <c>jsonl</c>.</param>
    /// <param name="bdExecutable">bd to run; defaults to <c>bd</c> looked up on PATH.</param>
    public static IWorkPlane Create(string kind, string beadsDir, TimeProvider time, ILoggerFactory loggerFactory, string? bdExecutable = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(beadsDir);
        var bd = bdExecutable ?? "bd";
        switch (kind.Trim().ToLowerInvariant())
        {
            case "auto":
                return BdWorkPlane.FindOnPath(bd) is { } found && BdWorkPlane.LooksLikeBeadsDatabase(beadsDir)
                    ? CreateBd(found, beadsDir, time, loggerFactory)
                    : CreateJsonl(beadsDir, time, loggerFactory);
            case "bd":
                var path = BdWorkPlane.FindOnPath(bd)
                    ?? throw new InvalidOperationException($"bd executable not found: {bd} (work plane 'bd' needs the beads CLI on PATH; use 'jsonl' otherwise)");
                return CreateBd(path, beadsDir, time, loggerFactory);
            case "jsonl":
                return CreateJsonl(beadsDir, time, loggerFactory);
            default:
                throw new ArgumentException($"unknown work plane '{kind}' (expected auto, bd or jsonl)", nameof(kind));
        }
    }

    private static BdWorkPlane CreateBd(string executable, string beadsDir, TimeProvider time, ILoggerFactory loggerFactory) =>
        new(executable, beadsDir, DefaultActor, time, loggerFactory.CreateLogger<BdWorkPlane>());

    private static JsonlWorkPlane CreateJsonl(string beadsDir, TimeProvider time, ILoggerFactory loggerFactory)
    {
        Directory.CreateDirectory(beadsDir);
        var file = Path.Combine(beadsDir, JsonlWorkPlane.FileName);
        if (!File.Exists(file))
        {
            // CreateNew so a file another process just created is never truncated.
            try
            {
                using (new FileStream(file, FileMode.CreateNew, FileAccess.Write)) { }
            }
            catch (IOException) when (File.Exists(file))
            {
            }
        }
        return new JsonlWorkPlane(beadsDir, time, loggerFactory.CreateLogger<JsonlWorkPlane>());
    }
}
