using System.Threading.Channels;
using Npgsql;
using NpgsqlTypes;

namespace IotAi.Gateway.Storage.Postgres;

/// <summary>
/// Group commit for grain state on PostgreSQL: writes queued while one batch is on its way go together in the next, one
/// round trip and one transaction (so one commit, and one WAL flush) for all of them. Each write still names the version
/// it read and gets its own answer; a conflict on one does not touch the others. A failed batch fails every write in it.
/// </summary>
internal sealed class PostgresWriteBatcher : IAsyncDisposable
{
    /// <summary>The most writes one batch carries: a round trip stays well under a megabyte of device twins.</summary>
    public const int MaxWritesPerBatch = 256;

    private readonly NpgsqlDataSource _database;
    private readonly string _serviceId;
    private readonly Channel<QueuedWrite> _queue = Channel.CreateUnbounded<QueuedWrite>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _loop;
    private long _writes;
    private long _batches;

    public PostgresWriteBatcher(NpgsqlDataSource database, string serviceId)
    {
        (_database, _serviceId) = (database, serviceId);
        _loop = Task.Run(RunAsync);
    }

    /// <summary>States written, and the batches (round trips and commits) that carried them.</summary>
    public (long Writes, long Batches) Counts => (Interlocked.Read(ref _writes), Interlocked.Read(ref _batches));

    /// <summary>Queues a write of <paramref name="payload"/> over <paramref name="version"/>; completes with the new version, or null on a conflict.</summary>
    public Task<int?> WriteAsync(PostgresStateKey key, byte[] payload, int? version)
    {
        var write = new QueuedWrite(key, payload, version, new TaskCompletionSource<int?>(TaskCreationOptions.RunContinuationsAsynchronously));
        return _queue.Writer.TryWrite(write) ? write.Done.Task : throw new ObjectDisposedException(nameof(PostgresWriteBatcher), "The grain storage is stopping.");
    }

    private async Task RunAsync()
    {
        var batch = new List<QueuedWrite>(MaxWritesPerBatch);
        while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (batch.Count < MaxWritesPerBatch && _queue.Reader.TryRead(out var write))
            {
                batch.Add(write);
            }

            try
            {
                var versions = await ExecuteAsync(batch).ConfigureAwait(false);
                for (var i = 0; i < batch.Count; i++)
                {
                    batch[i].Done.SetResult(versions[i]);
                }
            }
#pragma warning disable CA1031 // The failure goes to every write in the batch.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                batch.ForEach(w => w.Done.SetException(ex));
            }

            batch.Clear();
        }
    }

    private async Task<int?[]> ExecuteAsync(List<QueuedWrite> writes)
    {
        await using var connection = await _database.OpenConnectionAsync().ConfigureAwait(false);
        await using var batch = new NpgsqlBatch(connection);
        foreach (var write in writes)
        {
            var command = new NpgsqlBatchCommand(PostgresStateSql.Write);
            AddKey(command.Parameters, _serviceId, write.Key);
            command.Parameters.Add(new NpgsqlParameter<byte[]> { NpgsqlDbType = NpgsqlDbType.Bytea, TypedValue = write.Payload });
            command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Integer, Value = write.Version is int v ? v : DBNull.Value });
            batch.BatchCommands.Add(command);
        }

        var versions = new int?[writes.Count];
        await using var reader = await batch.ExecuteReaderAsync().ConfigureAwait(false);
        for (var i = 0; i < writes.Count; i++)
        {
            if (i > 0)
            {
                await reader.NextResultAsync().ConfigureAwait(false);
            }

            versions[i] = await reader.ReadAsync().ConfigureAwait(false) && !reader.IsDBNull(0) ? reader.GetInt32(0) : null;
        }

        Interlocked.Add(ref _writes, writes.Count);
        Interlocked.Increment(ref _batches);
        return versions;
    }

    /// <summary>Adds the key's parameters, $1 to $7, as every statement on the table takes them.</summary>
    public static void AddKey(NpgsqlParameterCollection parameters, string serviceId, PostgresStateKey key)
    {
        parameters.Add(new NpgsqlParameter<string> { TypedValue = serviceId });
        parameters.Add(new NpgsqlParameter<int> { TypedValue = key.GrainTypeHash });
        parameters.Add(new NpgsqlParameter<string> { TypedValue = key.GrainType });
        parameters.Add(new NpgsqlParameter<int> { TypedValue = key.GrainIdHash });
        parameters.Add(new NpgsqlParameter<long> { TypedValue = key.N0 });
        parameters.Add(new NpgsqlParameter<long> { TypedValue = key.N1 });
        parameters.Add(new NpgsqlParameter<string> { TypedValue = key.Extension });
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
    }

    private sealed record QueuedWrite(PostgresStateKey Key, byte[] Payload, int? Version, TaskCompletionSource<int?> Done);
}
