using System.Text.Json;
using Gemba.Api.Http;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Gemba.Api.Endpoints;

/// <summary>
/// Serves <c>GET /api/pools</c> from a <see cref="SharedRead{T}"/> of its serialized answer. Polling
/// clients (dashboards, scripts, a wall of browsers) ask far more often than pools change, and during a
/// dispatch wave each read competes with the wave for the same cores. A mutation through this API
/// invalidates it (GembaApi), so a client never reads back a state older than its own change. The web
/// UI's pages read directly: they re-read on events and must not show a state older than the event.
/// </summary>
public sealed class PoolsReadCache
{
    public static readonly TimeSpan MaxAge = TimeSpan.FromMilliseconds(250);
    public static readonly TimeSpan StaleAge = TimeSpan.FromSeconds(1);

    private readonly SharedRead<byte[]> _read;

    /// <remarks>The grain factory is resolved at the first read: every mutation invalidates this cache, also
    /// in a pipeline that has no cluster behind it.</remarks>
    public PoolsReadCache(IServiceProvider services, TimeProvider time, IOptions<JsonOptions> json) =>
        _read = new SharedRead<byte[]>(
            async () => JsonSerializer.SerializeToUtf8Bytes(
                await PoolsApi.ReadAsync(services.GetRequiredService<IGrainFactory>(), time), json.Value.SerializerOptions),
            time, MaxAge, StaleAge);

    public Task<byte[]> GetJsonAsync() => _read.GetAsync();

    public void Invalidate() => _read.Invalidate();
}
