using IotAi.Gateway.Storage.Postgres;
using IotAi.Tests.Shared;
using Npgsql;
using Orleans.Storage;

namespace IotAi.Gateway.Storage.Tests;

/// <summary>
/// Grain state on a real PostgreSQL through the batching storage: writes made at once share batches, versions guard
/// against a second activation, and the rows carry the keys Orleans' own ADO.NET provider gives them.
/// </summary>
public sealed class PostgresGrainStorageTests : IAsyncLifetime
{
    private PostgresServer _server = null!;

    public async Task InitializeAsync()
    {
        _server = await PostgresServer.StartAsync();
        await using var connection = new NpgsqlConnection(_server.ConnectionString());
        await connection.OpenAsync();
        await using var schema = new NpgsqlCommand(PostgresGrainStateSchema.Script(), connection);
        await schema.ExecuteNonQueryAsync();
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private PostgresGrainStorage Storage() => new(_server.ConnectionString(), "test-service", StateSerializer.Instance);

    [Fact]
    public async Task Writes_made_at_once_share_batches_and_a_second_storage_reads_each_back()
    {
        await using var storage = Storage();
        var states = Enumerable.Range(0, 200).Select(static i => new GrainState<TwinLikeState> { State = new TwinLikeState { DesiredVersion = i } }).ToList();

        await Task.WhenAll(states.Select((state, i) => storage.WriteStateAsync("device", Device(i), state)));

        var (writes, batches) = storage.Batcher.Counts;
        Assert.Equal(200, writes);
        Assert.InRange(batches, 1, writes / 2);
        Assert.All(states, static s => Assert.Equal("1", s.ETag));
        await using var reader = Storage();
        for (var i = 0; i < states.Count; i++)
        {
            var read = new GrainState<TwinLikeState>();
            await reader.ReadStateAsync("device", Device(i), read);
            Assert.Equal((true, "1", (long)i), (read.RecordExists, read.ETag, read.State!.DesiredVersion));
        }
    }

    [Fact]
    public async Task A_write_over_a_version_another_activation_moved_on_is_a_conflict_and_changes_nothing()
    {
        await using var storage = Storage();
        var first = new GrainState<TwinLikeState> { State = new TwinLikeState { DesiredVersion = 1 } };
        await storage.WriteStateAsync("device", Device(1), first);
        var second = new GrainState<TwinLikeState>();
        await storage.ReadStateAsync("device", Device(1), second);

        second.State!.DesiredVersion = 2;
        await storage.WriteStateAsync("device", Device(1), second);
        first.State.DesiredVersion = 99;
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("device", Device(1), first));
        // A state that has a row cannot be written as if it had none either.
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("device", Device(1), new GrainState<TwinLikeState> { State = new() }));

        var read = new GrainState<TwinLikeState>();
        await storage.ReadStateAsync("device", Device(1), read);
        Assert.Equal(("2", 2L), (read.ETag, read.State!.DesiredVersion));
    }

    [Fact]
    public async Task A_cleared_state_keeps_its_row_and_version_and_reads_as_absent()
    {
        await using var storage = Storage();
        var state = new GrainState<TwinLikeState> { State = new TwinLikeState { DesiredVersion = 5 } };
        await storage.WriteStateAsync("device", Device(7), state);

        await storage.ClearStateAsync("device", Device(7), state);

        var read = new GrainState<TwinLikeState>();
        await storage.ReadStateAsync("device", Device(7), read);
        Assert.Equal((false, "2"), (read.RecordExists, read.ETag));
        await storage.WriteStateAsync("device", Device(7), read);
        Assert.Equal("3", read.ETag);
    }

    [Theory]
    // What Orleans' ADO.NET grain storage 10.4.2, with its default hasher, gives state "device" of these grains.
    [InlineData("pump-7", 0L, 0L, "pump-7", 1512787201)]
    [InlineData("pump+7", 0L, 0L, "pump+7", -836591551)]
    [InlineData("привет", 0L, 0L, "привет", 792078988)]
    [InlineData("cafe", 0L, 51966L, "", 1265775606)]
    [InlineData("be+ef", 0L, 190L, "ef", -2056420777)]
    [InlineData("ffffffffffffffff", 0L, -1L, "", -641301823)]
    [InlineData("0123456789abcdef0123456789abcdef", -3607513408948976281L, -1167088121787636991L, "", 226093389)]
    public void Rows_are_keyed_as_orleans_keys_them(string key, long n0, long n1, string extension, int hash)
    {
        var row = PostgresStateKey.Of("device", GrainId.Create("device", key));

        Assert.Equal(("device", -78817639), (row.GrainType, row.GrainTypeHash));
        Assert.Equal((n0, n1, extension, hash), (row.N0, row.N1, row.Extension, row.GrainIdHash));
    }

    private static GrainId Device(int i) => GrainId.Create("device", $"pg-{i}");
}
