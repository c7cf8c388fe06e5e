using Gemba.WorkPlanes;

namespace Gemba.Api;

/// <summary>What this server is bound to, for <c>/api/capabilities</c> and the UI's adaptor branch.</summary>
public sealed record GembaServerInfo(
    string InstanceId,
    string Version,
    WorkPlaneInfo? WorkPlane,
    string? OrchestrationAdaptor,
    string? PoolConfigPath);
