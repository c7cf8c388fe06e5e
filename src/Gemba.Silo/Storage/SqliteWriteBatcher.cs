using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Orleans.Storage;

namespace Gemba.Silo.Storage;

/// <summary>
/// Group commit for grain-state writes. Writes queue up and one drain at a time applies every
/// queued write in a single transaction on one long-lived connection, off the Orleans scheduler.
/// Each write still carries its own ETag check, so a conflict fails that write alone. This keeps
/// grain threads from blocking in SQLite's busy handler when many grains write at once.
/// </summary>
internal sealed class SqliteWriteBatcher(string connectionString, Func<Task> ensureSchema, TimeSpan busyTimeout) : IAsyncDisposable
{
    private readonly ConcurrentQueue<StateWrite> _queue = new();
    private readonly SemaphoreSlim _gate = new(1, 1);
    private SqliteConnection? _connection;

    /// <summary>Returns the new ETag, or throws <see cref="InconsistentStateException"/> on an ETag mismatch.</summary>
    public async Task<long> WriteAsync(StateWrite write)
    {
        _queue.Enqueue(write);
        await Task.Run(DrainWhenFreeAsync).ConfigureAwait(false);
        return await write.Done.Task.ConfigureAwait(false);
    }

    private async Task DrainWhenFreeAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (!_queue.IsEmpty) await DrainAsync().ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task DrainAsync()
    {
        var batch = new List<StateWrite>();
        while (_queue.TryDequeue(out var next)) batch.Add(next);
        var outcomes = new (long Etag, Exception? Error)[batch.Count];
        try
        {
            var connection = await ConnectionAsync().ConfigureAwait(false);
            await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync().ConfigureAwait(false);
            await using var insert = Command(connection, transaction, """
                INSERT INTO grain_state(grain_type, grain_id, state_name, etag, payload, updated_at)
                VALUES($type, $id, $state, 1, $payload, $now)
                ON CONFLICT DO NOTHING
                """);
            await using var update = Command(connection, transaction, """
                UPDATE grain_state SET etag = etag + 1, payload = $payload, updated_at = $now
                WHERE grain_type = $type AND grain_id = $id AND state_name = $state AND etag = $etag
                """);
            update.Parameters.Add("$etag", SqliteType.Integer);
            await using var stored = Command(connection, transaction,
                "SELECT etag FROM grain_state WHERE grain_type = $type AND grain_id = $id AND state_name = $state");
            var now = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture);

            for (var i = 0; i < batch.Count; i++)
            {
                var w = batch[i];
                var command = w.ExpectedEtag is null ? insert : update;
                Bind(command, w, now);
                if (w.ExpectedEtag is { } expected) command.Parameters["$etag"].Value = expected;
                if (await command.ExecuteNonQueryAsync().ConfigureAwait(false) == 1)
                {
                    outcomes[i] = ((w.ExpectedEtag ?? 0) + 1, null);
                    continue;
                }
                Bind(stored, w, now);
                var current = await stored.ExecuteScalarAsync().ConfigureAwait(false) as long?;
                var storedText = current?.ToString(CultureInfo.InvariantCulture) ?? "none";
                var mine = w.ExpectedEtag?.ToString(CultureInfo.InvariantCulture) ?? "none";
                outcomes[i] = (0, new InconsistentStateException(
                    $"ETag mismatch on write of {w.StateName} for {w.GrainType}/{w.GrainKey}: stored {storedText}, in memory {mine}", storedText, mine));
            }
            await transaction.CommitAsync().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // The transaction rolled back: none of this batch was written.
            foreach (var w in batch) w.Done.TrySetException(ex);
            await ResetConnectionAsync().ConfigureAwait(false);
            return;
        }
        for (var i = 0; i < batch.Count; i++)
        {
            if (outcomes[i].Error is { } error) batch[i].Done.TrySetException(error);
            else batch[i].Done.TrySetResult(outcomes[i].Etag);
        }
    }

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction transaction, string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.Parameters.Add("$type", SqliteType.Text);
        command.Parameters.Add("$id", SqliteType.Text);
        command.Parameters.Add("$state", SqliteType.Text);
        command.Parameters.Add("$payload", SqliteType.Text);
        command.Parameters.Add("$now", SqliteType.Text);
        return command;
    }

    private static void Bind(SqliteCommand command, StateWrite w, string now)
    {
        command.Parameters["$type"].Value = w.GrainType;
        command.Parameters["$id"].Value = w.GrainKey;
        command.Parameters["$state"].Value = w.StateName;
        command.Parameters["$payload"].Value = w.Payload;
        command.Parameters["$now"].Value = now;
    }

    private async Task<SqliteConnection> ConnectionAsync()
    {
        if (_connection is not null) return _connection;
        await ensureSchema().ConfigureAwait(false);
        var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync().ConfigureAwait(false);
        await SqliteSchema.ConfigureConnectionAsync(connection, busyTimeout).ConfigureAwait(false);
        return _connection = connection;
    }

    private async Task ResetConnectionAsync()
    {
        if (_connection is null) return;
        await _connection.DisposeAsync().ConfigureAwait(false);
        _connection = null;
    }

    /// <summary>Commits what is still queued (a write that raced the shutdown is kept, not dropped), then closes.</summary>
    public async ValueTask DisposeAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (!_queue.IsEmpty) await DrainAsync().ConfigureAwait(false);
            await ResetConnectionAsync().ConfigureAwait(false);
        }
        finally { _gate.Release(); }
    }
}

/// <summary>One queued grain-state write; <see cref="ExpectedEtag"/> null means "the row must not exist yet".</summary>
internal sealed record StateWrite(string GrainType, string GrainKey, string StateName, long? ExpectedEtag, string Payload)
{
    public TaskCompletionSource<long> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
