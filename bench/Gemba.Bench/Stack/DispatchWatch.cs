using System.Diagnostics;

namespace Gemba.Bench.Stack;

/// <summary>
/// A server-sent-events client of one silo's <c>/api/events</c> that lets a measure await the next
/// <c>dispatch.dispatched</c> it receives, stamped with the Stopwatch tick of its arrival.
/// </summary>
internal sealed class DispatchWatch : IDisposable
{
    private readonly HttpClient _http;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _reader;
    private TaskCompletionSource<long>? _next;

    private DispatchWatch(HttpClient http, Stream stream)
    {
        _http = http;
        _reader = Task.Run(() => ReadAsync(stream));
    }

    public static async Task<DispatchWatch> ConnectAsync(int port)
    {
        var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = Timeout.InfiniteTimeSpan };
        var response = await http.GetAsync("api/events", HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        return new DispatchWatch(http, await response.Content.ReadAsStreamAsync());
    }

    /// <summary>Armed before the action whose effect is awaited, so the first dispatch after it cannot be missed.</summary>
    public Task<long> NextDispatch()
    {
        var next = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _next, next);
        return next.Task;
    }

    private async Task ReadAsync(Stream stream)
    {
        using var reader = new StreamReader(stream);
        try
        {
            while (await reader.ReadLineAsync(_stop.Token) is { } line)
            {
                if (line != "event: dispatch.dispatched") continue;
                var at = Stopwatch.GetTimestamp();
                Interlocked.Exchange(ref _next, null)?.TrySetResult(at);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or HttpRequestException)
        {
            // stopped, or the silo went away
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _http.Dispose();
        _reader.Wait(TimeSpan.FromSeconds(10));
        _stop.Dispose();
    }
}
