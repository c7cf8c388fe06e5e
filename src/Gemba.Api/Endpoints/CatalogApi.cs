using Gemba.Config;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Gemba.Api.Endpoints;

/// <summary>
/// The editor's read-only catalogues (original §4.4–4.5): persona files and the agents registry,
/// read from disk on every call so a file edited a moment ago shows.
/// </summary>
public static class CatalogApi
{
    public static IEndpointRouteBuilder MapCatalogApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api").WithTags("Catalogues");
        group.MapGet("/personas", GetPersonas);
        group.MapGet("/agents", GetAgents);
        group.MapGet("/v1/agents", GetAgents);
        return app;
    }

    public static Ok<PersonasResponse> GetPersonas(IPoolConfigStore store)
    {
        var catalog = store.Personas;
        return TypedResults.Ok(new PersonasResponse(
            [.. catalog.Personas.Select(p => new PersonaRow(p.Id, p.Name, p.AgentType, p.Skills))],
            Path.GetFullPath(catalog.Dir), catalog.Missing ? true : null, PoolConfigApi.Findings(catalog.Findings)));
    }

    public static Ok<AgentsResponse> GetAgents(IPoolConfigStore store)
    {
        var registry = store.Agents;
        var agents = registry.Agents
            .Select(a => new AgentRow(a.Name, a.Name, "agent", a.Name, a.Binary, a.Model, a.MaxParallel, a.IntraParallel))
            .ToList();
        return TypedResults.Ok(new AgentsResponse(agents, agents.Count, registry.MaxParallel, PoolConfigApi.Findings(registry.Findings)));
    }
}

/// <param name="Missing">True when the personas directory does not exist (a fresh install); omitted otherwise.</param>
public sealed record PersonasResponse(IReadOnlyList<PersonaRow> Personas, string Dir, bool? Missing, IReadOnlyList<FindingView> Findings);

public sealed record PersonaRow(string Id, string Name, string? AgentType, IReadOnlyList<string> Skills);

/// <param name="MaxParallel">The host pane cap the pool clamp uses (0: none).</param>
public sealed record AgentsResponse(IReadOnlyList<AgentRow> Agents, int Total, int MaxParallel, IReadOnlyList<FindingView> Findings);

/// <summary>The original's AgentRef (id, name, kind, dialect) plus what the editor shows of the entry.</summary>
public sealed record AgentRow(string Id, string Name, string Kind, string Dialect, string Binary, string? Model, int? MaxParallel, bool IntraParallel);
