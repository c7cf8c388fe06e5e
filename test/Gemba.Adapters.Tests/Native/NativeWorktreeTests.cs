using System.Diagnostics;
using Gemba.Orchestration;
using Gemba.Silo.Orchestration.Native;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gemba.Adapters.Tests.Native;

/// <summary>The bead-done cleanliness check of the native plane: git status of the working directory.</summary>
public sealed class NativeWorktreeTests : IDisposable
{
    private static readonly SessionHandle Handle = new("s-1", "native", "%1", null);
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private TmuxOrchestrationPlane Plane(string directory) =>
        new(new TmuxPlaneOptions("http://127.0.0.1:7666/", directory, SocketName: "gemba-test-unused"), Gemba.Config.AgentsRegistry.Empty,
            NullLogger<TmuxOrchestrationPlane>.Instance);

    [Fact]
    public async Task A_clean_git_repository_is_clean_and_an_untracked_file_makes_it_dirty()
    {
        Git("init", "--quiet", _dir.Path);
        var plane = Plane(_dir.Path);

        Assert.True((await plane.CheckWorktreeAsync(Handle)).IsClean);

        await File.WriteAllTextAsync(_dir.Combine("scratch.txt"), "uncommitted work");
        Assert.False((await plane.CheckWorktreeAsync(Handle)).IsClean);
    }

    [Fact]
    public async Task A_subdirectory_of_a_dirty_repository_is_dirty()
    {
        Git("init", "--quiet", _dir.Path);
        Directory.CreateDirectory(_dir.Combine("src"));
        await File.WriteAllTextAsync(_dir.Combine("src", "new.cs"), "// new");

        Assert.False((await Plane(_dir.Combine("src")).CheckWorktreeAsync(Handle)).IsClean);
    }

    [Fact]
    public async Task A_directory_outside_any_repository_is_clean()
    {
        await File.WriteAllTextAsync(_dir.Combine("loose.txt"), "not versioned");

        Assert.True((await Plane(_dir.Path).CheckWorktreeAsync(Handle)).IsClean);
    }

    [Fact]
    public async Task A_broken_repository_counts_as_dirty()
    {
        // a .git file that points nowhere: git status fails, and a failed check must not lose work
        await File.WriteAllTextAsync(_dir.Combine(".git"), "gitdir: /nonexistent/gemba/worktree\n");

        Assert.False((await Plane(_dir.Path).CheckWorktreeAsync(Handle)).IsClean);
    }

    private static void Git(params string[] arguments)
    {
        var start = new ProcessStartInfo("git") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"git {string.Join(' ', arguments)} failed: {error.Result}");
    }
}
