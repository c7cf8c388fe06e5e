using System.Diagnostics;
using Gemba.Silo.Storage;

namespace Gemba.Adapters.Tests;

/// <summary>The operator's files are replaced whole and only when unchanged since we read them.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class AtomicFileTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    private string FilePath => _dir.Combine("pool.toml");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Replaces_an_unchanged_file_keeping_its_mode_and_leaving_no_temporary_file()
    {
        File.WriteAllText(FilePath, "# mine\nsize = 1\n");
        File.SetUnixFileMode(FilePath, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        Assert.True(AtomicFile.TryReplace(FilePath, "# mine\nsize = 2\n", "# mine\nsize = 1\n"));

        Assert.Equal("# mine\nsize = 2\n", File.ReadAllText(FilePath));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(FilePath));
        Assert.Equal(["pool.toml"], Directory.GetFiles(_dir.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void A_file_that_changed_since_the_read_is_left_as_it_is()
    {
        File.WriteAllText(FilePath, "size = 1\n# their edit\n");
        Assert.False(AtomicFile.TryReplace(FilePath, "size = 2\n", "size = 1\n"));
        Assert.Equal("size = 1\n# their edit\n", File.ReadAllText(FilePath));
        Assert.Single(Directory.GetFiles(_dir.Path));
    }

    [Fact]
    public void Creating_a_file_fails_when_someone_created_it_first()
    {
        Assert.True(AtomicFile.TryReplace(_dir.Combine("sub", "new.toml"), "a = 1\n", null));
        Assert.Equal("a = 1\n", File.ReadAllText(_dir.Combine("sub", "new.toml")));
        Assert.False(AtomicFile.TryReplace(_dir.Combine("sub", "new.toml"), "a = 2\n", null));
        Assert.Equal("a = 1\n", File.ReadAllText(_dir.Combine("sub", "new.toml")));
    }

    [Fact]
    public async Task Racing_an_outside_appender_loses_none_of_its_lines_and_none_of_ours()
    {
        File.WriteAllText(FilePath, "# start\n");
        // A writer that knows nothing of us: appends with >>, about once a millisecond.
        var appender = Process.Start(new ProcessStartInfo("bash", ["-c", "for i in $(seq 1 300); do echo \"# outside $i\" >> \"$1\"; sleep 0.001; done", "bash", FilePath])
        {
            UseShellExecute = false,
        })!;
        var ours = new List<string>();
        var attempt = 0;
        while (!appender.HasExited)
        {
            var seen = File.ReadAllText(FilePath);
            var line = $"# gemba {attempt++}";
            if (AtomicFile.TryReplace(FilePath, seen + line + "\n", seen)) ours.Add(line);
        }
        await appender.WaitForExitAsync();

        var final = File.ReadAllLines(FilePath);
        var missing = Enumerable.Range(1, 300).Select(i => $"# outside {i}").Except(final).ToList();
        Assert.True(missing.Count == 0, $"outside lines lost: {string.Join(", ", missing)} ({ours.Count} of {attempt} replaces went through)");
        Assert.All(ours, line => Assert.Contains(line, final));
        Assert.NotEmpty(ours);
    }
}
