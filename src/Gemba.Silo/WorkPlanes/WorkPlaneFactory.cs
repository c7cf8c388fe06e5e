using Gemba.WorkPlanes;
using Microsoft.Extensions.Logging;

namespace Gemba.Silo.WorkPlanes;

/// <summary>Chooses and builds the work plane named by the <c>--work-plane</c> setting.</summary>
public static class WorkPlaneFactory
{
    /// <summary>The <c>--actor</c>-less audit identity gemba uses towards bd.</summary>
    public const string DefaultActor = "gemba";

    /// <param name="kind">
    /// <c>auto</c> (bd for a directory holding a bd database, jsonl for any other), <c>bd</c> or <c>jsonl</c>.
    /// </param>
    /// <param name="bdExecutable">bd to run; defaults to <c>bd</c> looked up on PATH.</param>
    /// <exception cref="InvalidOperationException">
    /// The plane cannot be used safely here; the message says why and what to do (for the operator).
    /// </exception>
    public static IWorkPlane Create(string kind, string beadsDir, TimeProvider time, ILoggerFactory loggerFactory, string? bdExecutable = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(beadsDir);
        var bd = bdExecutable ?? "bd";
        switch (kind.Trim().ToLowerInvariant())
        {
            case "auto" when BdWorkPlane.LooksLikeBeadsDatabase(beadsDir):
                // Never fall back to the JSONL beside a database: bd may re-import that file over the
                // database and silently revert what was written there (reference §3.3).
                return CreateBd(BdWorkPlane.FindOnPath(bd) ?? throw new InvalidOperationException(
                    $"--work-plane auto: {Path.GetFullPath(beadsDir)} holds a beads database ({DatabaseMarkers(beadsDir)}) but the bd executable " +
                    $"'{bd}' was not found on PATH. Gemba will not edit that directory's issues.jsonl behind bd's back (bd can re-import it over " +
                    "the database). Install bd or put it on PATH, or pass --work-plane jsonl with a --beads-dir that holds no database."),
                    beadsDir, time, loggerFactory);
            case "auto":
                return CreateJsonl(beadsDir, time, loggerFactory);
            case "bd":
                var path = BdWorkPlane.FindOnPath(bd)
                    ?? throw new InvalidOperationException($"bd executable not found: {bd} (work plane 'bd' needs the beads CLI on PATH; use 'jsonl' otherwise)");
                return CreateBd(path, beadsDir, time, loggerFactory);
            case "jsonl" when BdWorkPlane.LooksLikeBeadsDatabase(beadsDir):
                throw new InvalidOperationException(
                    $"--work-plane jsonl: {Path.GetFullPath(beadsDir)} holds a beads database ({DatabaseMarkers(beadsDir)}); editing its issues.jsonl " +
                    "would be overwritten by, or re-imported over, the database. Use --work-plane bd (or auto) with bd on PATH, or a --beads-dir " +
                    "that holds no database.");
            case "jsonl":
                return CreateJsonl(beadsDir, time, loggerFactory);
            default:
                throw new ArgumentException($"unknown work plane '{kind}' (expected auto, bd or jsonl)", nameof(kind));
        }
    }

    private static string DatabaseMarkers(string beadsDir) =>
        string.Join(", ", new[] { "embeddeddolt/", "dolt/", "proxieddb/", "metadata.json", "config.yaml" }
            .Where(m => m.EndsWith('/') ? Directory.Exists(Path.Combine(beadsDir, m.TrimEnd('/'))) : File.Exists(Path.Combine(beadsDir, m))));

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
