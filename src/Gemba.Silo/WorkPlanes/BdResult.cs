using System.Text.Json;

namespace Gemba.Silo.WorkPlanes;

/// <summary>What one <c>bd</c> call produced; stdout and stderr are kept apart (reference §2.1).</summary>
internal sealed record BdResult(string CommandLine, int ExitCode, string StandardOutput, string StandardError)
{
    public string FirstStderrLine =>
        StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "";

    /// <summary>Error text from both places bd may put it: stderr, or a JSON <c>{"error": ...}</c> on stdout.</summary>
    public string ErrorText
    {
        get
        {
            var stdoutError = TryReadStdoutError();
            return stdoutError is null ? StandardError : $"{StandardError}\n{stdoutError}";
        }
    }

    public string Describe(string problem)
    {
        var detail = FirstStderrLine;
        if (detail.Length == 0) detail = TryReadStdoutError() ?? "";
        return detail.Length == 0
            ? $"`{CommandLine}` {problem} (exit code {ExitCode})"
            : $"`{CommandLine}` {problem} (exit code {ExitCode}): {detail}";
    }

    private string? TryReadStdoutError()
    {
        try
        {
            using var document = JsonDocument.Parse(StandardOutput);
            var root = BdJson.Unwrap(document.RootElement);
            return root.ValueKind == JsonValueKind.Object && BeadJson.GetString(root, "error") is { } error ? error : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
