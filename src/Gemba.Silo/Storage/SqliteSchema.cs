using Microsoft.Data.Sqlite;

namespace Gemba.Silo.Storage;

/// <summary>The one table and the connection settings shared by the storage and the commit probe.</summary>
internal static class SqliteSchema
{
    public static string ConnectionString(string databasePath) => new SqliteConnectionStringBuilder
    {
        DataSource = Path.GetFullPath(databasePath),
        Mode = SqliteOpenMode.ReadWriteCreate,
        Cache = SqliteCacheMode.Private,
        Pooling = true,
    }.ToString();

    public static async Task EnsureAsync(string databasePath, string connectionString, TimeSpan busyTimeout)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(databasePath));
        if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync().ConfigureAwait(false);
        await ConfigureConnectionAsync(connection, busyTimeout).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        // WAL is persistent in the file; it lets readers proceed during a write.
        command.CommandText = """
            PRAGMA journal_mode = WAL;
            CREATE TABLE IF NOT EXISTS grain_state(
                grain_type TEXT NOT NULL,
                grain_id TEXT NOT NULL,
                state_name TEXT NOT NULL,
                etag INTEGER NOT NULL,
                payload TEXT NOT NULL,
                updated_at TEXT NOT NULL,
                PRIMARY KEY(grain_type, grain_id, state_name)
            ) WITHOUT ROWID;
            """;
        await command.ExecuteNonQueryAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Per-connection settings. synchronous=NORMAL in WAL mode syncs at checkpoints, not on every
    /// commit: a power loss may drop the last commits but never corrupts the file, which is the
    /// right trade for grain state that is re-derivable from the work plane.
    /// </summary>
    public static async Task ConfigureConnectionAsync(SqliteConnection connection, TimeSpan busyTimeout)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = $"PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = {(int)busyTimeout.TotalMilliseconds};";
        await command.ExecuteNonQueryAsync().ConfigureAwait(false);
    }
}
