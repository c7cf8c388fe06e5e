using System.Diagnostics;
using System.Net.Sockets;

namespace Gemba.Functional.Tests;

/// <summary>A throwaway redis-server on a free loopback port (test.sh installs redis-server).</summary>
internal sealed class RedisServer : IAsyncDisposable
{
    private readonly Process _process;

    public int Port { get; }

    private RedisServer(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public static async Task<RedisServer> StartAsync()
    {
        var port = GembaProcess.FreePort();
        var info = new ProcessStartInfo("redis-server") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "--port", port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no" }) info.ArgumentList.Add(arg);
        Process process;
        try
        {
            process = Process.Start(info)!;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException("redis-server is not installed: run ./test.sh (it installs it) or apt-get install redis-server", ex);
        }
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", port);
                return new RedisServer(process, port);
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !process.HasExited)
            {
                await Task.Delay(100);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        try { _process.Kill(); } catch (InvalidOperationException) { }
        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}
