namespace Gemba.Functional.Tests;

/// <summary>Polling the real process (HTTP, files) under a deadline: the one kind of wait these tests allow.</summary>
internal static class Waits
{
    /// <summary>Re-checks a condition until it holds; fails with what is missing and the server's output if it never does.</summary>
    public static async Task Eventually(TimeSpan timeout, Func<Task<bool>> probe, GembaProcess gemba, Func<string?>? why = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (gemba.HasExited) Assert.Fail($"gemba exited early.\nstdout:\n{gemba.Stdout}\nstderr:\n{gemba.Stderr}");
            try
            {
                if (await probe()) return;
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
            catch (IOException)
            {
                // the file is being replaced atomically; read it again
            }
            if (DateTime.UtcNow > deadline) Assert.Fail($"condition not met within {timeout}: {why?.Invoke()}\nstdout:\n{gemba.Stdout}\nstderr:\n{gemba.Stderr}");
            await Task.Delay(250);
        }
    }
}
