using Gemba.Silo.WorkPlanes;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gemba.Adapters.Tests;

public sealed class WorkPlaneFactoryTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Jsonl_creates_the_beads_directory_and_an_empty_file()
    {
        var beadsDir = _dir.Combine("fresh", ".beads");
        using var plane = (JsonlWorkPlane)WorkPlaneFactory.Create("jsonl", beadsDir, TimeProvider.System, NullLoggerFactory.Instance);
        Assert.Equal("jsonl", plane.Info.AdaptorId);
        Assert.Equal(0, new FileInfo(Path.Combine(beadsDir, "issues.jsonl")).Length);
    }

    [Fact]
    public void Auto_picks_bd_for_a_beads_database_and_jsonl_for_a_plain_directory()
    {
        using (var database = new FakeBd())
        using (var bd = (BdWorkPlane)WorkPlaneFactory.Create("auto", database.BeadsDir, TimeProvider.System, NullLoggerFactory.Instance, database.Executable))
            Assert.Equal("bd", bd.Info.AdaptorId);

        using var plain = new FakeBd(database: false);
        using (var jsonl = (JsonlWorkPlane)WorkPlaneFactory.Create("auto", plain.BeadsDir, TimeProvider.System, NullLoggerFactory.Instance, plain.Executable))
            Assert.Equal("jsonl", jsonl.Info.AdaptorId);

        // metadata.json alone (a fresh clone, database not yet built) is still bd's directory
        File.WriteAllText(Path.Combine(plain.BeadsDir, "metadata.json"), "{\"backend\":\"dolt\"}");
        using (var bd = (BdWorkPlane)WorkPlaneFactory.Create("auto", plain.BeadsDir, TimeProvider.System, NullLoggerFactory.Instance, plain.Executable))
            Assert.Equal("bd", bd.Info.AdaptorId);
    }

    [Fact]
    public void Auto_on_a_beads_database_without_bd_refuses_and_leaves_the_directory_alone()
    {
        using var database = new FakeBd();
        var before = Directory.GetFileSystemEntries(database.BeadsDir).Order().ToArray();
        var missing = Path.Combine(_dir.Path, "nowhere", "bd");

        var ex = Assert.Throws<InvalidOperationException>(() =>
            WorkPlaneFactory.Create("auto", database.BeadsDir, TimeProvider.System, NullLoggerFactory.Instance, missing));

        Assert.Contains(database.BeadsDir, ex.Message);
        Assert.Contains("holds a beads database (embeddeddolt/, metadata.json)", ex.Message);
        Assert.Contains($"'{missing}' was not found on PATH", ex.Message);
        Assert.Contains("put it on PATH", ex.Message);
        Assert.Contains("--work-plane jsonl with a --beads-dir that holds no database", ex.Message);
        Assert.Equal(before, Directory.GetFileSystemEntries(database.BeadsDir).Order().ToArray());
        Assert.False(File.Exists(Path.Combine(database.BeadsDir, "issues.jsonl")));
    }

    [Fact]
    public void Jsonl_refuses_a_beads_database_directory()
    {
        using var database = new FakeBd();
        var ex = Assert.Throws<InvalidOperationException>(() =>
            WorkPlaneFactory.Create("jsonl", database.BeadsDir, TimeProvider.System, NullLoggerFactory.Instance));
        Assert.Contains("--work-plane jsonl", ex.Message);
        Assert.Contains("holds a beads database", ex.Message);
        Assert.False(File.Exists(Path.Combine(database.BeadsDir, "issues.jsonl")));
    }

    [Fact]
    public void Explicit_bd_without_the_executable_and_unknown_kinds_are_clear_errors()
    {
        var missing = Path.Combine(_dir.Path, "nowhere", "bd");
        var ex = Assert.Throws<InvalidOperationException>(() =>
            WorkPlaneFactory.Create("bd", _dir.Path, TimeProvider.System, NullLoggerFactory.Instance, missing));
        Assert.StartsWith($"bd executable not found: {missing}", ex.Message);
        Assert.Throws<ArgumentException>(() => WorkPlaneFactory.Create("dolt", _dir.Path, TimeProvider.System, NullLoggerFactory.Instance));
    }
}
