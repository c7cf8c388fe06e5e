using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using Orleans.Storage;

namespace Gemba.Silo.Storage;

/// <summary>
/// Grain storage in one SQLite file (DESIGN §7, embedded mode). Reads are single statements on
/// pooled connections (WAL readers never block); writes go through <see cref="SqliteWriteBatcher"/>,
/// which commits whatever is queued in one transaction, each write keeping its own ETag check.
/// State is rendered by the provider's grain-storage serializer (<see cref="GembaStateFormat"/>, as Redis).
/// In the silo lifecycle it opens the database before grains run and flushes and closes it after they stop.
/// </summary>
internal sealed partial class SqliteGrainStorage : IGrainStorage, ILifecycleParticipant<ISiloLifecycle>, IAsyncDisposable
{
    private readonly string _name;
    private readonly SqliteGrainStorageOptions _options;
    private readonly ILogger _logger;
    private readonly string _connectionString;
    private readonly Lazy<Task> _schema;
    private readonly SqliteWriteBatcher _writer;

    public SqliteGrainStorage(string name, SqliteGrainStorageOptions options, ILogger<SqliteGrainStorage> logger)
    {
        // Settings are checked by SqliteGrainStorageOptionsValidator when the silo starts, naming this provider.
        _name = name;
        _options = options;
        _logger = logger;
        _connectionString = options.DatabasePath.Length == 0 ? "" : SqliteSchema.ConnectionString(options.DatabasePath);
        _schema = new Lazy<Task>(() => SqliteSchema.EnsureAsync(options.DatabasePath, _connectionString, options.BusyTimeout));
        _writer = new SqliteWriteBatcher(_connectionString, () => _schema.Value, options.BusyTimeout);
    }

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe($"{nameof(SqliteGrainStorage)}-{_name}", ServiceLifecycleStage.ApplicationServices,
            _ => _schema.Value, _ => DisposeAsync().AsTask());

    /// <summary>Waits for queued writes to commit, then closes the write connection.</summary>
    public ValueTask DisposeAsync() => _writer.DisposeAsync();

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
            state = _options.GrainStorageSerializer.Deserialize<T>(BinaryData.FromString(payload));
        }
        catch (System.Text.Json.JsonException ex)
        {
            LogUnreadable(_logger, ex, _name, grainId, stateName, typeof(T).Name);
            throw new InvalidOperationException(
                $"grain state {stateName} of {grainId} in {_options.DatabasePath} cannot be read as {typeof(T).Name}: {ex.Message}", ex);
        }
        grainState.State = state ?? Empty<T>();
        grainState.ETag = etag.ToString(CultureInfo.InvariantCulture);
        grainState.RecordExists = true;
    }

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        long? expected = null;
        if (grainState.ETag is not null)
        {
            if (!long.TryParse(grainState.ETag, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
                throw new InconsistentStateException($"ETag '{grainState.ETag}' was not issued by this storage", "unknown", grainState.ETag);
            expected = parsed;
        }
        var write = new StateWrite(grainId.Type.ToString()!, grainId.Key.ToString()!, stateName, expected, _options.GrainStorageSerializer.Serialize(grainState.State).ToString());
        try
        {
            var etag = await _writer.WriteAsync(write).ConfigureAwait(false);
            grainState.ETag = etag.ToString(CultureInfo.InvariantCulture);
            grainState.RecordExists = true;
        }
        catch (InconsistentStateException ex)
        {
            LogConflict(_logger, _name, "write", grainId, stateName, ex.StoredEtag ?? "none", ex.CurrentEtag ?? "none");
            throw;
        }
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

        grainState.State = Empty<T>();
        grainState.ETag = null;
        grainState.RecordExists = false;
    }

    /// <summary>A fresh state after a clear: a parameterless constructor if there is one, else an empty record bound to its constructor.</summary>
    private T Empty<T>()
    {
        var type = typeof(T);
        if (type.IsValueType || type.GetConstructor(Type.EmptyTypes) is not null) return Activator.CreateInstance<T>();
        try
        {
            return _options.GrainStorageSerializer.Deserialize<T>(BinaryData.FromString("{}"))!;
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or NotSupportedException or InvalidOperationException)
        {
            return default!;
        }
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
