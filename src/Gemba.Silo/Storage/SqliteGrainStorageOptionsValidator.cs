using Orleans;
using Orleans.Runtime;

namespace Gemba.Silo.Storage;

/// <summary>Checked when the silo starts: a provider without a database file or serializer fails there, by name, not on the first write.</summary>
internal sealed class SqliteGrainStorageOptionsValidator(SqliteGrainStorageOptions options, string name) : IConfigurationValidator
{
    public void ValidateConfiguration()
    {
        if (string.IsNullOrWhiteSpace(options.DatabasePath))
            throw new OrleansConfigurationException($"SQLite grain storage '{name}': {nameof(options.DatabasePath)} is empty");
        if (Directory.Exists(options.DatabasePath))
            throw new OrleansConfigurationException($"SQLite grain storage '{name}': {nameof(options.DatabasePath)} {options.DatabasePath} is a directory, not a database file");
        if (options.BusyTimeout <= TimeSpan.Zero)
            throw new OrleansConfigurationException($"SQLite grain storage '{name}': {nameof(options.BusyTimeout)} must be positive, not {options.BusyTimeout}");
        if (options.GrainStorageSerializer is null)
            throw new OrleansConfigurationException($"SQLite grain storage '{name}': no {nameof(options.GrainStorageSerializer)} (and none registered in the silo)");
    }
}
