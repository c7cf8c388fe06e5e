using System.Globalization;
using Gemba.Config;
using Gemba.WorkPlanes;

namespace Gemba.Silo.Hosting;

/// <summary>The startup banner of original §4.11, plus our orchestration and state lines.</summary>
internal static class Banner
{
    public static IEnumerable<string> Lines(ServeOptions options, WorkPlaneInfo workPlane, ConfigSet config, string version)
    {
        var auth = options.Token is null ? "none" : "bearer";
        yield return $"▶ gemba {version}  listen={options.Listen}:{options.Port}  auth={auth}";
        yield return $"▶ workplane: {workPlane.AdaptorId} {workPlane.Version} (mode={workPlane.Mode} source={workPlane.Source})";
        if (options.Gateway)
        {
            yield return $"▶ gateway: an Orleans client of cluster_id={options.ClusterId} service_id={options.ServiceId} on redis {options.Redis}; hosts no grains";
        }
        else yield return options.Cluster == "redis"
            ? $"▶ orchestration: {options.Orchestration}  cluster=redis  state={options.Redis}  cluster_id={options.ClusterId} service_id={options.ServiceId}"
            : $"▶ orchestration: {options.Orchestration}  cluster={options.Cluster}  state={options.StateDir}";
        if (options.NativeWorkspace is { } native) yield return $"▶ native: {native}";
        var host = options.Listen is "0.0.0.0" or "::" or "*" ? "127.0.0.1" : options.Listen.Contains(':') ? $"[{options.Listen}]" : options.Listen;
        yield return $"▶ web UI: http://{host}:{options.Port}/  (pool editor /settings/pools, API /api-docs){(options.Token is null ? "" : "; pages need the bearer token")}";
        if (config.Resolved.IsPhaseZero)
        {
            yield return $"▶ pools: none (phase 0: {config.Pool.Path} has no pools; manual starts only)";
            yield break;
        }
        foreach (var pool in config.Resolved.Pools)
        {
            var clamp = pool.ClampActivated ? $" (clamped from {pool.SizeDeclared} by MaxParallel)" : "";
            yield return string.Create(CultureInfo.InvariantCulture,
                $"▶ pool[{pool.Scope}/{pool.Persona}]: size={pool.SizeEffective}{clamp} floor={pool.Floor:0.00} recycle_after_beads={pool.RecycleAfterBeads} idle_ceiling_min={pool.IdleCeilingMinutes} stall_timeout_min={pool.StallTimeoutMinutes}");
        }
    }
}
