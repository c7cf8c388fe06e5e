using System.Diagnostics;
using Microsoft.Data.Sqlite;

namespace Gemba.Silo.Storage;

/// <summary>
/// Measures the raw commit rate of the storage's write pattern (one single-row upsert per
/// transaction, same pragmas), so benchmarks can tell SQLite's ceiling from Orleans overhead.
/// </summary>
public static class SqliteCommitProbe
{
    public static async Task<double> CommitsPerSecondAsync(string path, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        var connectionString = SqliteSchema.ConnectionString(path);
        var busyTimeout = TimeSpan.FromSeconds(10);
        await SqliteSchema.EnsureAsync(path, connectionString, busyTimeout).ConfigureAwait(false);

        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync().ConfigureAwait(false);
        await SqliteSchema.ConfigureConnectionAsync(connection, busyTimeout).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO grain_state(grain_type, grain_id, state_name, etag, payload, updated_at)
            VALUES('probe', $id, 'probe', 1, $payload, $now)
            ON CONFLICT(grain_type, grain_id, state_name) DO UPDATE SET etag = etag + 1, payload = excluded.payload, updated_at = excluded.updated_at
            """;
        var id = command.Parameters.Add("$id", SqliteType.Text);
        var payload = command.Parameters.Add("$payload", SqliteType.Text);
        var now = command.Parameters.Add("$now", SqliteType.Text);
        command.Prepare();

        var stopwatch = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            await using var transaction = connection.BeginTransaction();
            command.Transaction = transaction;
            id.Value = $"probe/{i % 64}";
            payload.Value = $$"""{"members":["a","b"],"counter":{{i}}}""";
            now.Value = DateTimeOffset.UtcNow.ToString("O");
            await command.ExecuteNonQueryAsync().ConfigureAwait(false);
            await transaction.CommitAsync().ConfigureAwait(false);
        }
        stopwatch.Stop();

        await using var cleanup = connection.CreateCommand();
        cleanup.CommandText = "DELETE FROM grain_state WHERE grain_type = 'probe'";
        await cleanup.ExecuteNonQueryAsync().ConfigureAwait(false);
        return count / Math.Max(stopwatch.Elapsed.TotalSeconds, 1e-9);
    }
}
