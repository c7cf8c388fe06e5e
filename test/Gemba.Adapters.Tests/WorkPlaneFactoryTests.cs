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
    public void Auto_picks_bd_only_when_it_exists_and_the_directory_is_a_beads_database()
    {
        using var fake = new FakeBd();
        using (var jsonl = (JsonlWorkPlane)WorkPlaneFactory.Create("auto", fake.BeadsDir, TimeProvider.System, NullLoggerFactory.Instance, fake.Executable))
            Assert.Equal("jsonl", jsonl.Info.AdaptorId);

        File.WriteAllText(Path.Combine(fake.BeadsDir, "metadata.json"), "{\"backend\":\"dolt\"}");
        Assert.Equal("bd", WorkPlaneFactory.Create("auto", fake.BeadsDir, TimeProvider.System, NullLoggerFactory.Instance, fake.Executable).Info.AdaptorId);

        var missing = Path.Combine(_dir.Path, "nowhere", "bd");
        using (var fallback = (JsonlWorkPlane)WorkPlaneFactory.Create("auto", fake.BeadsDir, TimeProvider.System, NullLoggerFactory.Instance, missing))
            Assert.Equal("jsonl", fallback.Info.AdaptorId);
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
