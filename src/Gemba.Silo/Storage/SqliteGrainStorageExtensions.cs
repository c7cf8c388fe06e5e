using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Providers;
using Orleans.Runtime.Hosting;

namespace Gemba.Silo.Storage;

public static class SqliteGrainStorageExtensions
{
    /// <summary>Registers a named SQLite grain storage provider (a keyed <c>IGrainStorage</c>, like the built-in providers).</summary>
    public static ISiloBuilder AddSqliteGrainStorage(this ISiloBuilder builder, string name, string databasePath)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentException.ThrowIfNullOrEmpty(databasePath);
        var options = new SqliteGrainStorageOptions { DatabasePath = Path.GetFullPath(databasePath) };
        builder.Services.AddGrainStorage(name, (services, providerName) =>
            new SqliteGrainStorage(providerName, options, services.GetRequiredService<ILogger<SqliteGrainStorage>>()));
        return builder;
    }

    /// <summary>Registers the SQLite storage as the default provider (used by <c>[PersistentState]</c> without a storage name).</summary>
    public static ISiloBuilder AddSqliteGrainStorageAsDefault(this ISiloBuilder builder, string databasePath) =>
        builder.AddSqliteGrainStorage(ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME, databasePath);
}
