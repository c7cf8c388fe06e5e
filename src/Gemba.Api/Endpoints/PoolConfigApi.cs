using Gemba.Api.Editor;
using Gemba.Api.Http;
using Gemba.Config;
using Gemba.Dispatch;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Net.Http.Headers;

namespace Gemba.Api.Endpoints;

/// <summary>
/// <c>/api/pool-config</c> (seed 003 §7, original §4.2–4.3): the operator's pool.toml, and a save that
/// validates, keeps their comments, never overwrites an edit it has not seen, and applies at once.
/// The version travels as an ETag: GET returns it, PUT must send it back in <c>If-Match</c>.
/// </summary>
public static class PoolConfigApi
{
    public static IEndpointRouteBuilder MapPoolConfigApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/pool-config").WithTags("Pool config");
        group.MapGet("", Get);
        // Body errors come from JsonBody as plain IResults, so these two declare their answers for OpenAPI.
        group.MapPut("", Put)
            .Produces<PoolConfigSaved>()
            .Produces<InvalidConfigError>(StatusCodes.Status422UnprocessableEntity)
            .Produces<VersionConflictError>(StatusCodes.Status409Conflict)
            .Produces<ApiError>(StatusCodes.Status400BadRequest)
            .Produces<ApiError>(StatusCodes.Status428PreconditionRequired);
        group.MapPost("/check", Check)
            .Produces<PoolConfigCheck>()
            .Produces<ApiError>(StatusCodes.Status400BadRequest);
        return app;
    }

    public static Ok<PoolConfigResponse> Get(IPoolConfigStore store, HttpResponse response)
    {
        var snapshot = store.Read();
        response.Headers.ETag = Quote(snapshot.Version);
        return TypedResults.Ok(Envelope(snapshot));
    }

    public static async Task<IResult> Put(HttpRequest request, IPoolConfigStore store)
    {
        var baseVersion = Unquote(request.Headers.IfMatch.ToString());
        if (baseVersion.Length == 0)
            return Error(StatusCodes.Status428PreconditionRequired, "version_required",
                "send the version the edit is based on in If-Match (the ETag, or 'version', of GET /api/pool-config); a save without it could overwrite an edit made on disk");
        var body = await JsonBody.ReadAsync<PoolConfig>(request);
        if (body.Error is not null) return body.Error;

        var result = await store.SaveAsync(body.Value!, baseVersion, request.HttpContext.RequestAborted);
        request.HttpContext.Response.Headers.ETag = Quote(result.Current.Version);
        return result.Status switch
        {
            PoolConfigSaveStatus.Saved => TypedResults.Ok(new PoolConfigSaved(Envelope(result.Current), true, result.Changes, Findings(result.Findings))),
            PoolConfigSaveStatus.Invalid => TypedResults.Json(Invalid(result.Findings), statusCode: StatusCodes.Status422UnprocessableEntity),
            _ => TypedResults.Json(new VersionConflictError("version_conflict",
                $"{result.Current.Path} changed on disk since version {baseVersion}; reload it and apply the edit again (nothing was written)",
                baseVersion, result.Current.Version, Envelope(result.Current)), statusCode: StatusCodes.Status409Conflict),
        };
    }

    /// <summary>What a save would write and what the dispatcher would do with it; nothing is written.</summary>
    public static async Task<IResult> Check(HttpRequest request, IPoolConfigStore store, IGrainFactory grains)
    {
        var body = await JsonBody.ReadAsync<PoolConfig>(request);
        if (body.Error is not null) return body.Error;
        var draft = store.Check(body.Value!);
        var whatIf = await DraftWhatIf.RunAsync(grains, draft.Resolved);
        return TypedResults.Ok(new PoolConfigCheck(draft.Body, draft.Diff, Findings(draft.Findings), draft.CanSave, draft.BaseVersion,
            draft.Resolved.Pools, whatIf));
    }

    internal static PoolConfigResponse Envelope(PoolConfigSnapshot s) =>
        new(s.Path, s.Body, s.Parsed, s.MaxParallel, s.ReservedForManual, s.Version, s.Exists, Findings(s.Findings));

    internal static IReadOnlyList<FindingView> Findings(IEnumerable<ConfigFinding> findings) =>
        [.. findings.Select(f => new FindingView(f.Field, f.Severity == FindingSeverity.Error ? "error" : "warning", f.Message, f.File, f.Line, f.Column))];

    private static InvalidConfigError Invalid(IReadOnlyList<ConfigFinding> findings)
    {
        var errors = findings.Where(f => f.Severity == FindingSeverity.Error).ToList();
        return new InvalidConfigError("invalid_config",
            $"{errors.Count} error(s), nothing written; first: {errors[0].Message}", Findings(findings));
    }

    private static JsonHttpResult<ApiError> Error(int status, string code, string message) =>
        TypedResults.Json(new ApiError(code, message), statusCode: status);

    private static string Quote(string version) => $"\"{version}\"";

    private static string Unquote(string value)
    {
        var v = value.Trim();
        if (v.StartsWith("W/", StringComparison.Ordinal)) v = v[2..];
        return v.Trim('"');
    }
}

/// <summary>The original's envelope plus our version tag and the findings the editor shows.</summary>
public sealed record PoolConfigResponse(
    string Path,
    string Body,
    PoolConfig Parsed,
    int MaxParallel,
    int ReservedForManual,
    string Version,
    bool Exists,
    IReadOnlyList<FindingView> Findings);

/// <summary>A finding for clients: <c>field</c> is the dotted path of the value concerned.</summary>
public sealed record FindingView(string? Field, string Severity, string Message, string File, int Line, int Column);

public sealed record PoolConfigSaved(PoolConfigResponse Config, bool Applied, IReadOnlyList<PoolChange> Changes, IReadOnlyList<FindingView> Findings);

public sealed record PoolConfigCheck(
    string Body,
    IReadOnlyList<DiffLine> Diff,
    IReadOnlyList<FindingView> Findings,
    bool CanSave,
    string BaseVersion,
    IReadOnlyList<ResolvedPool> Pools,
    WhatIfReport WhatIf);

public sealed record InvalidConfigError(string Error, string Message, IReadOnlyList<FindingView> Findings);

public sealed record VersionConflictError(string Error, string Message, string BaseVersion, string CurrentVersion, PoolConfigResponse Current);
