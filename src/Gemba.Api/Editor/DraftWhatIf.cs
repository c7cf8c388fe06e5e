using Gemba.Config;
using Gemba.Dispatch;
using Gemba.Pools;

namespace Gemba.Api.Editor;

/// <summary>The editor's what-if panel: every affected scope's dispatcher plans the draft; the reports are summed.</summary>
public static class DraftWhatIf
{
    /// <summary>
    /// Scopes of the config in force count too (beads of a scope the draft drops would wait with no pool),
    /// and so does <c>local</c>, the one scope of a native install, so a draft that disables every pool
    /// still shows the beads it leaves waiting.
    /// </summary>
    public static async Task<WhatIfReport> RunAsync(IGrainFactory grains, ResolvedConfig draft)
    {
        var current = await grains.GetGrain<IConfigGrain>(IConfigGrain.Key).Get();
        var scopes = draft.Scopes.Union(current.Scopes, StringComparer.Ordinal).Append(PoolKey.LocalScope).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var reports = await Task.WhenAll(scopes.Select(s => grains.GetGrain<IDispatcherGrain>(s).WhatIf(draft)));
        return WhatIfReport.Sum(string.Join(",", scopes), reports);
    }
}
