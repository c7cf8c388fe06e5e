using System.Diagnostics;
using System.Net;
using Gemba.Bench.Harness;

namespace Gemba.Bench.Measures;

/// <summary>Closed-loop HTTP load on <c>GET /api/pools</c>: each client sends its next request when the last one answered.</summary>
internal static class PoolsApiLoad
{
    public static async Task<Samples> RunAsync(Uri baseUrl, TimeSpan duration, int clients, CancellationToken cancel = default)
    {
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = clients, UseProxy = false };
        using var http = new HttpClient(handler) { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(30) };
        for (var i = 0; i < 50; i++) await Get(http); // connections, JIT, route cache

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        if (duration != Timeout.InfiniteTimeSpan) stop.CancelAfter(duration);
        var samples = new Samples();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var start = Stopwatch.GetTimestamp();
                await Get(http);
                samples.Add(Stopwatch.GetElapsedTime(start));
            }
        })));
        return samples;
    }

    private static async Task Get(HttpClient http)
    {
        using var response = await http.GetAsync("api/pools", HttpCompletionOption.ResponseContentRead);
        if (response.StatusCode != HttpStatusCode.OK)
            throw new InvalidOperationException($"GET /api/pools answered {(int)response.StatusCode}");
    }
}
