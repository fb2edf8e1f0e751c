using System.Buffers;
using System.Globalization;
using Npgsql;
using NpgsqlTypes;
using Orleans.Serialization;
using Orleans.Storage;

namespace IotAi.Gateway.Storage.Postgres;

/// <summary>
/// Grain state on PostgreSQL, in the table and rows Orleans' ADO.NET grain storage uses (<see cref="PostgresStateKey"/>,
/// the state written by Orleans' serializer), so a database either wrote is read by the other. Writes go through
/// <see cref="PostgresWriteBatcher"/>: the grains writing at once share a round trip and a commit. The version is the
/// state's ETag; a write or clear over a version the row no longer holds is a conflict, as in Orleans.
/// </summary>
internal sealed class PostgresGrainStorage : IGrainStorage, IAsyncDisposable, IDisposable
{
    private readonly NpgsqlDataSource _database;
    private readonly string _serviceId;
    private readonly Serializer _serializer;

    public PostgresGrainStorage(string connectionString, string serviceId, Serializer serializer)
    {
        _database = NpgsqlDataSource.Create(connectionString);
        (_serviceId, _serializer) = (serviceId, serializer);
        Batcher = new PostgresWriteBatcher(_database, serviceId);
    }

    public PostgresWriteBatcher Batcher { get; }

    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        await using var command = _database.CreateCommand(PostgresStateSql.Read);
        PostgresWriteBatcher.AddKey(command.Parameters, _serviceId, PostgresStateKey.Of(stateName, grainId));
        await using var reader = await command.ExecuteReaderAsync();
        if (!await reader.ReadAsync())
        {
            (grainState.ETag, grainState.RecordExists) = (null, false);
            return;
        }

        grainState.ETag = reader.GetInt32(1).ToString(CultureInfo.InvariantCulture);
        // A cleared state keeps its row and version, without a payload.
        grainState.RecordExists = !reader.IsDBNull(0);
        if (grainState.RecordExists)
        {
            grainState.State = _serializer.Deserialize<T>(reader.GetFieldValue<byte[]>(0));
        }
    }

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        var buffer = new ArrayBufferWriter<byte>();
        _serializer.Serialize(grainState.State, buffer);
        var version = Version(grainState);
        var written = await Batcher.WriteAsync(PostgresStateKey.Of(stateName, grainId), buffer.WrittenSpan.ToArray(), version);
        Settle(grainState, "write", stateName, grainId, version, written);
        grainState.RecordExists = true;
    }

    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        var version = Version(grainState);
        if (version is null)
        {
            // Never written, so nothing to clear.
            grainState.RecordExists = false;
            return;
        }

        await using var command = _database.CreateCommand(PostgresStateSql.Clear);
        PostgresWriteBatcher.AddKey(command.Parameters, _serviceId, PostgresStateKey.Of(stateName, grainId));
        command.Parameters.Add(new NpgsqlParameter<int> { NpgsqlDbType = NpgsqlDbType.Integer, TypedValue = version.Value });
        var cleared = await command.ExecuteScalarAsync() as int?;
        Settle(grainState, "clear", stateName, grainId, version, cleared);
        grainState.RecordExists = false;
    }

    private static int? Version<T>(IGrainState<T> grainState) =>
        string.IsNullOrWhiteSpace(grainState.ETag) ? null : int.Parse(grainState.ETag, CultureInfo.InvariantCulture);

    private static void Settle<T>(IGrainState<T> grainState, string operation, string stateName, GrainId grainId, int? expected, int? stored)
    {
        if (stored is null)
        {
            throw new InconsistentStateException(
                $"Version conflict ({operation}): state {stateName} of {grainId} is no longer at version {expected?.ToString(CultureInfo.InvariantCulture) ?? "none"}; another activation wrote it.",
                storedEtag: null, currentEtag: grainState.ETag);
        }

        grainState.ETag = stored.Value.ToString(CultureInfo.InvariantCulture);
    }

    public async ValueTask DisposeAsync()
    {
        await Batcher.DisposeAsync();
        await _database.DisposeAsync();
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();
}
