using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using Orleans.Storage;

namespace Gemba.Silo.Storage;

/// <summary>
/// Grain storage in one SQLite file (DESIGN §7, embedded mode). Each operation is a single SQL
/// statement on a pooled connection, so the ETag check and the write are one atomic step and
/// concurrent grains only contend inside SQLite's own (WAL) locking.
/// </summary>
internal sealed partial class SqliteGrainStorage : IGrainStorage
{
    private readonly string _name;
    private readonly SqliteGrainStorageOptions _options;
    private readonly ILogger _logger;
    private readonly string _connectionString;
    private readonly Lazy<Task> _schema;

    public SqliteGrainStorage(string name, SqliteGrainStorageOptions options, ILogger<SqliteGrainStorage> logger)
    {
        ArgumentException.ThrowIfNullOrEmpty(options.DatabasePath);
        _name = name;
        _options = options;
        _logger = logger;
        _connectionString = SqliteSchema.ConnectionString(options.DatabasePath);
        _schema = new Lazy<Task>(() => SqliteSchema.EnsureAsync(options.DatabasePath, _connectionString, options.BusyTimeout));
    }

    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        await using var connection = await OpenAsync().ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT etag, payload FROM grain_state WHERE grain_type = $type AND grain_id = $id AND state_name = $state";
        AddKey(command, grainId, stateName);
        await using var reader = await command.ExecuteReaderAsync().ConfigureAwait(false);
        if (!await reader.ReadAsync().ConfigureAwait(false))
        {
            grainState.ETag = null;
            grainState.RecordExists = false;
            return;
        }

        var etag = reader.GetInt64(0);
        var payload = reader.GetString(1);
        T? state;
        try
        {
            state = SqliteStateJson.Deserialize<T>(payload);
        }
        catch (System.Text.Json.JsonException ex)
        {
            LogUnreadable(_logger, ex, _name, grainId, stateName, typeof(T).Name);
            throw new InvalidOperationException(
                $"grain state {stateName} of {grainId} in {_options.DatabasePath} cannot be read as {typeof(T).Name}: {ex.Message}", ex);
        }
        grainState.State = state ?? SqliteStateJson.CreateEmpty<T>();
        grainState.ETag = etag.ToString(CultureInfo.InvariantCulture);
        grainState.RecordExists = true;
    }

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var payload = SqliteStateJson.Serialize(grainState.State);
        var now = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture);
        await using var connection = await OpenAsync().ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        long newEtag;
        if (grainState.ETag is null)
        {
            // First write: insert only if nobody else created the row meanwhile.
            command.CommandText = """
                INSERT INTO grain_state(grain_type, grain_id, state_name, etag, payload, updated_at)
                VALUES($type, $id, $state, 1, $payload, $now)
                ON CONFLICT DO NOTHING
                """;
            newEtag = 1;
        }
        else
        {
            if (!long.TryParse(grainState.ETag, NumberStyles.None, CultureInfo.InvariantCulture, out var expected))
                throw new InconsistentStateException($"ETag '{grainState.ETag}' was not issued by this storage", "unknown", grainState.ETag);
            command.CommandText = """
                UPDATE grain_state SET etag = etag + 1, payload = $payload, updated_at = $now
                WHERE grain_type = $type AND grain_id = $id AND state_name = $state AND etag = $etag
                """;
            command.Parameters.AddWithValue("$etag", expected);
            newEtag = expected + 1;
        }
        AddKey(command, grainId, stateName);
        command.Parameters.AddWithValue("$payload", payload);
        command.Parameters.AddWithValue("$now", now);

        if (await command.ExecuteNonQueryAsync().ConfigureAwait(false) == 0)
            throw await ConflictAsync(connection, grainId, stateName, grainState.ETag, "write").ConfigureAwait(false);

        grainState.ETag = newEtag.ToString(CultureInfo.InvariantCulture);
        grainState.RecordExists = true;
    }

    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        await using var connection = await OpenAsync().ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = grainState.ETag is null
            ? "DELETE FROM grain_state WHERE grain_type = $type AND grain_id = $id AND state_name = $state AND 0"
            : "DELETE FROM grain_state WHERE grain_type = $type AND grain_id = $id AND state_name = $state AND etag = $etag";
        AddKey(command, grainId, stateName);
        if (grainState.ETag is not null)
        {
            if (!long.TryParse(grainState.ETag, NumberStyles.None, CultureInfo.InvariantCulture, out var expected))
                throw new InconsistentStateException($"ETag '{grainState.ETag}' was not issued by this storage", "unknown", grainState.ETag);
            command.Parameters.AddWithValue("$etag", expected);
        }

        if (await command.ExecuteNonQueryAsync().ConfigureAwait(false) == 0)
        {
            // Nothing deleted: fine only when there was nothing to delete and the caller knew it.
            var stored = await StoredEtagAsync(connection, grainId, stateName).ConfigureAwait(false);
            if (stored is not null || grainState.ETag is not null)
                throw await ConflictAsync(connection, grainId, stateName, grainState.ETag, "clear").ConfigureAwait(false);
        }

        grainState.State = SqliteStateJson.CreateEmpty<T>();
        grainState.ETag = null;
        grainState.RecordExists = false;
    }

    private async Task<SqliteConnection> OpenAsync()
    {
        await _schema.Value.ConfigureAwait(false);
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync().ConfigureAwait(false);
        await SqliteSchema.ConfigureConnectionAsync(connection, _options.BusyTimeout).ConfigureAwait(false);
        return connection;
    }

    private static void AddKey(SqliteCommand command, GrainId grainId, string stateName)
    {
        command.Parameters.AddWithValue("$type", grainId.Type.ToString());
        command.Parameters.AddWithValue("$id", grainId.Key.ToString());
        command.Parameters.AddWithValue("$state", stateName);
    }

    private static async Task<long?> StoredEtagAsync(SqliteConnection connection, GrainId grainId, string stateName)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT etag FROM grain_state WHERE grain_type = $type AND grain_id = $id AND state_name = $state";
        AddKey(command, grainId, stateName);
        return await command.ExecuteScalarAsync().ConfigureAwait(false) is long etag ? etag : null;
    }

    private async Task<InconsistentStateException> ConflictAsync(SqliteConnection connection, GrainId grainId, string stateName, string? currentEtag, string operation)
    {
        var stored = await StoredEtagAsync(connection, grainId, stateName).ConfigureAwait(false);
        var storedText = stored?.ToString(CultureInfo.InvariantCulture) ?? "none";
        LogConflict(_logger, _name, operation, grainId, stateName, storedText, currentEtag ?? "none");
        return new InconsistentStateException(
            $"ETag mismatch on {operation} of {stateName} for {grainId}: stored {storedText}, in memory {currentEtag ?? "none"}",
            storedText,
            currentEtag ?? "none");
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Storage {Provider}: ETag conflict on {Operation} of {GrainId}/{StateName} (stored {Stored}, current {Current})")]
    private static partial void LogConflict(ILogger logger, string provider, string operation, GrainId grainId, string stateName, string stored, string current);

    [LoggerMessage(Level = LogLevel.Error, Message = "Storage {Provider}: state {StateName} of {GrainId} is not valid JSON for {TypeName}")]
    private static partial void LogUnreadable(ILogger logger, Exception exception, string provider, GrainId grainId, string stateName, string typeName);
}
