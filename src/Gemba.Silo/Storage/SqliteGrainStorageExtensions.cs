using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Providers;
using Orleans.Runtime.Hosting;
using Orleans.Storage;

namespace Gemba.Silo.Storage;

public static class SqliteGrainStorageExtensions
{
    /// <summary>
    /// Registers a named SQLite grain storage provider as Orleans' own providers are: named options
    /// (the serializer defaults to the silo's), a validator run at start-up, and the silo lifecycle.
    /// </summary>
    public static ISiloBuilder AddSqliteGrainStorage(this ISiloBuilder builder, string name, Action<SqliteGrainStorageOptions> configure)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var services = builder.Services;
        services.AddOptions<SqliteGrainStorageOptions>(name).Configure(configure);
        services.AddTransient<IPostConfigureOptions<SqliteGrainStorageOptions>, DefaultStorageProviderSerializerOptionsConfigurator<SqliteGrainStorageOptions>>();
        services.AddTransient<IConfigurationValidator>(sp =>
            new SqliteGrainStorageOptionsValidator(sp.GetRequiredService<IOptionsMonitor<SqliteGrainStorageOptions>>().Get(name), name));
        services.AddGrainStorage(name, (sp, providerName) =>
            ActivatorUtilities.CreateInstance<SqliteGrainStorage>(sp, providerName, sp.GetRequiredService<IOptionsMonitor<SqliteGrainStorageOptions>>().Get(providerName)));
        return builder;
    }

    public static ISiloBuilder AddSqliteGrainStorage(this ISiloBuilder builder, string name, string databasePath)
    {
        ArgumentException.ThrowIfNullOrEmpty(databasePath);
        var path = Path.GetFullPath(databasePath);
        return builder.AddSqliteGrainStorage(name, o => o.DatabasePath = path);
    }

    /// <summary>Registers the SQLite storage as the default provider (used by <c>[PersistentState]</c> without a storage name).</summary>
    public static ISiloBuilder AddSqliteGrainStorageAsDefault(this ISiloBuilder builder, string databasePath) =>
        builder.AddSqliteGrainStorage(ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME, databasePath);
}
