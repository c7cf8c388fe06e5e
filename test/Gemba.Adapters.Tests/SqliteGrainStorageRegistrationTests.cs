using Gemba.Silo.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Providers;
using Orleans.Runtime;
using Orleans.Storage;

namespace Gemba.Adapters.Tests;

public sealed class SqliteGrainStorageRegistrationTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }

    [Fact]
    public void Named_and_default_registrations_resolve_as_keyed_grain_storage()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.UseOrleans(silo => silo
            .UseLocalhostClustering()
            .AddSqliteGrainStorageAsDefault(_dir.Combine("default.db"))
            .AddSqliteGrainStorage("gemba", _dir.Combine("gemba.db")));
        using var host = builder.Build(); // not started: resolving the providers is enough

        Assert.IsType<SqliteGrainStorage>(host.Services.GetRequiredKeyedService<IGrainStorage>(ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME));
        Assert.IsType<SqliteGrainStorage>(host.Services.GetRequiredKeyedService<IGrainStorage>("gemba"));
    }

    [Fact]
    public async Task The_provider_stores_the_silo_serializers_json_with_enum_names_and_no_type_names()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.UseOrleans(silo => silo
            .UseLocalhostClustering()
            .UseGembaStateFormat()
            .AddSqliteGrainStorage("gemba", _dir.Combine("gemba.db")));
        using var host = builder.Build();
        var storage = host.Services.GetRequiredKeyedService<IGrainStorage>("gemba");
        var serializer = host.Services.GetRequiredService<IGrainStorageSerializer>();
        var state = new GrainState<FormatProbe> { State = new FormatProbe { Mode = TestPoolMode.Draining, Members = ["s-1"] } };

        await storage.WriteStateAsync("probe", GrainId.Create("pool", "local/engineer"), state);

        await using var db = new SqliteConnection($"Data Source={_dir.Combine("gemba.db")}");
        await db.OpenAsync();
        await using var select = db.CreateCommand();
        select.CommandText = "SELECT payload FROM grain_state WHERE state_name = 'probe'";
        var stored = (string)(await select.ExecuteScalarAsync())!;
        // The very bytes the silo's grain-storage serializer (the one Redis uses) renders.
        Assert.Equal(serializer.Serialize(state.State).ToString(), stored);
        Assert.Contains("\"Draining\"", stored);
        Assert.DoesNotContain("$type", stored);
    }

    [Theory]
    [InlineData("", "DatabasePath is empty")]
    [InlineData("dir", "is a directory")]
    public async Task A_misconfigured_provider_fails_the_silo_start_naming_itself_and_the_setting(string path, string expected)
    {
        var database = path.Length == 0 ? "" : _dir.Combine(path);
        if (path.Length > 0) Directory.CreateDirectory(database);
        var builder = Host.CreateApplicationBuilder();
        builder.UseOrleans(silo => silo
            .UseLocalhostClustering()
            .UseGembaStateFormat()
            .AddSqliteGrainStorage("gemba", o => o.DatabasePath = database));
        using var host = builder.Build();

        var error = await Assert.ThrowsAnyAsync<Exception>(() => host.StartAsync());
        Assert.Contains("SQLite grain storage 'gemba'", error.Message);
        Assert.Contains(expected, error.Message);
    }

    public sealed class FormatProbe
    {
        public TestPoolMode Mode { get; set; }
        public List<string> Members { get; set; } = [];
    }
}
