using Gemba.Silo.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Providers;
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
}
