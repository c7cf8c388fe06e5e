using System.Diagnostics;
using System.Net;
using Gemba.Bench.Harness;

namespace Gemba.Bench.Measures;

/// <summary>
/// Closed-loop HTTP load on <c>GET /api/pools</c>: each client sends its next request when the last one answered.
/// A sample ends when the whole body is read. Each client reads into one buffer of its own: the embedded stack
/// shares this process, and a fresh array per body (about 200 KB at 1,000 members, thousands a second) would
/// make the load generator's garbage collections pause the server being measured.
/// </summary>
internal static class PoolsApiLoad
{
    public static async Task<Samples> RunAsync(Uri baseUrl, TimeSpan duration, int clients, CancellationToken cancel = default)
    {
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = clients, UseProxy = false };
        using var http = new HttpClient(handler) { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(30) };
        var warmUp = new byte[BufferSize];
        for (var i = 0; i < 50; i++) await Get(http, warmUp); // connections, JIT, route cache

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        if (duration != Timeout.InfiniteTimeSpan) stop.CancelAfter(duration);
        var samples = new Samples();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
        {
            var buffer = new byte[BufferSize];
            while (!stop.IsCancellationRequested)
            {
                var start = Stopwatch.GetTimestamp();
                await Get(http, buffer);
                samples.Add(Stopwatch.GetElapsedTime(start));
            }
        })));
        return samples;
    }

    private const int BufferSize = 64 * 1024;

    private static async Task Get(HttpClient http, byte[] buffer)
    {
        using var response = await http.GetAsync("api/pools", HttpCompletionOption.ResponseHeadersRead);
        if (response.StatusCode != HttpStatusCode.OK)
            throw new InvalidOperationException($"GET /api/pools answered {(int)response.StatusCode}");
        await using var body = await response.Content.ReadAsStreamAsync();
        var length = 0L;
        for (int read; (read = await body.ReadAsync(buffer)) > 0;) length += read;
        if (length == 0) throw new InvalidOperationException("GET /api/pools answered an empty body");
    }
}
