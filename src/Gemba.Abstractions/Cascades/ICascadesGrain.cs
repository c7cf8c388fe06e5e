using Orleans.Concurrency;

namespace Gemba.Cascades;

/// <summary>
/// Wrapper cascades (seed 000 "Wrapper drag cascades", original §3.14): an epic or milestone started by an
/// operator stages its leaves and runs the ready ones, at most <c>limit</c> at once; each leaf that ends
/// starts the next at once, and the wrapper's state rolls up from its leaves. One grain (key
/// <see cref="Key"/>) holds every active cascade: there are few, and a bead's end needs one lookup.
/// </summary>
[Alias("gemba.ICascadesGrain")]
public interface ICascadesGrain : IGrainWithStringKey
{
    public const string Key = "all";

    /// <param name="limit">Leaves running at once; 0: the effective size of the pools that run <paramref name="agentType"/> (at least 1).</param>
    [Alias("Start")]
    Task<CascadeReport> Start(string wrapperId, string? agentType, int limit);

    /// <summary>A bead ended (closed, failed, released): the cascade it belongs to, if any, takes its next leaf.</summary>
    [Alias("BeadEnded"), OneWay]
    Task BeadEnded(string beadId);

    [Alias("List"), AlwaysInterleave]
    Task<IReadOnlyList<CascadeView>> List();
}

/// <param name="Error">One of <see cref="CascadeErrors"/> when not <paramref name="Ok"/>.</param>
/// <param name="Waiting">Ready leaves left for later: the limit is reached.</param>
/// <param name="Blocked">Leaves that are not ready (an open blocker, deferred) or could not start, with why.</param>
/// <param name="State">The wrapper's rolled-up state: unstarted, started or completed.</param>
[GenerateSerializer, Immutable, Alias("gemba.CascadeReport")]
public sealed record CascadeReport(
    string WrapperId,
    bool Ok,
    string? Error,
    string Message,
    int Limit,
    string State,
    IReadOnlyList<string> Staged,
    IReadOnlyList<CascadeDispatch> Dispatched,
    IReadOnlyList<string> Running,
    IReadOnlyList<string> Waiting,
    IReadOnlyList<string> Blocked);

[GenerateSerializer, Immutable, Alias("gemba.CascadeDispatch")]
public sealed record CascadeDispatch(string BeadId, string SessionId);

[GenerateSerializer, Immutable, Alias("gemba.CascadeView")]
public sealed record CascadeView(string WrapperId, string? AgentType, int Limit, IReadOnlyList<string> Leaves, string State);

public static class CascadeErrors
{
    public const string NotFound = "work_item_not_found";
    public const string NotWrapper = "not_wrapper";
}
