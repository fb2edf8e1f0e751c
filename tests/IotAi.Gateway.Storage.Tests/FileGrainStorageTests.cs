using Orleans.Storage;

namespace IotAi.Gateway.Storage.Tests;

public sealed class FileGrainStorageTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("iotai-storage-");

    private FileGrainStorage Storage() => new(new FileGrainStorageOptions { Directory = _directory.FullName }, StateSerializer.Instance);

    [Fact]
    public async Task A_write_with_a_stale_etag_is_refused_and_the_newer_state_kept()
    {
        var storage = Storage();
        var id = GrainId.Create("device", "etag-test");
        var first = new GrainState<TwinLikeState> { State = new TwinLikeState { DesiredVersion = 1 } };
        var stale = new GrainState<TwinLikeState> { State = new TwinLikeState { DesiredVersion = 99 } };

        await storage.WriteStateAsync("device", id, first);
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("device", id, stale));

        var read = new GrainState<TwinLikeState> { State = new TwinLikeState() };
        await storage.ReadStateAsync("device", id, read);
        Assert.Equal(1, read.State.DesiredVersion);
        Assert.Equal(first.ETag, read.ETag);
        Assert.True(read.RecordExists);
    }

    [Fact]
    public async Task Clearing_removes_the_file_and_a_fresh_read_finds_nothing()
    {
        var storage = Storage();
        var id = GrainId.Create("device", "clear-test");
        var state = new GrainState<TwinLikeState> { State = new TwinLikeState { DesiredVersion = 3 } };
        await storage.WriteStateAsync("device", id, state);

        await storage.ClearStateAsync("device", id, state);
        var read = new GrainState<TwinLikeState> { State = new TwinLikeState() };
        await storage.ReadStateAsync("device", id, read);

        Assert.False(read.RecordExists);
        Assert.Equal(0, read.State.DesiredVersion);
        Assert.Empty(Directory.EnumerateFiles(_directory.FullName, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task A_write_torn_by_a_crash_falls_back_to_the_last_whole_state()
    {
        var storage = Storage();
        var id = GrainId.Create("device", "torn-test");
        var state = new GrainState<TwinLikeState> { State = new TwinLikeState { DesiredVersion = 1 } };
        await storage.WriteStateAsync("device", id, state);
        state.State.DesiredVersion = 2;
        await storage.WriteStateAsync("device", id, state);

        // The crash hit while version 2 was being written to its slot (even versions go to .a): half a record is there.
        var torn = Directory.EnumerateFiles(_directory.FullName, "torn-test.state.a", SearchOption.AllDirectories).Single();
        File.WriteAllBytes(torn, File.ReadAllBytes(torn)[..10]);
        var read = new GrainState<TwinLikeState> { State = new TwinLikeState() };
        await storage.ReadStateAsync("device", id, read);

        Assert.Equal((1, "1"), (read.State.DesiredVersion, read.ETag));
        read.State.DesiredVersion = 3;
        await storage.WriteStateAsync("device", id, read);
        var again = new GrainState<TwinLikeState> { State = new TwinLikeState() };
        await storage.ReadStateAsync("device", id, again);
        Assert.Equal((3, "2"), (again.State.DesiredVersion, again.ETag));
    }

    [Fact]
    public async Task A_flipped_bit_is_caught_by_the_checksum()
    {
        var storage = Storage();
        var id = GrainId.Create("device", "bitflip-test");
        var state = new GrainState<TwinLikeState> { State = new TwinLikeState { DesiredVersion = 7 } };
        await storage.WriteStateAsync("device", id, state);
        state.State.DesiredVersion = 8;
        await storage.WriteStateAsync("device", id, state);

        var slot = Directory.EnumerateFiles(_directory.FullName, "bitflip-test.state.a", SearchOption.AllDirectories).Single();
        var bytes = File.ReadAllBytes(slot);
        bytes[^1] ^= 0x01;
        File.WriteAllBytes(slot, bytes);
        var read = new GrainState<TwinLikeState> { State = new TwinLikeState() };
        await storage.ReadStateAsync("device", id, read);

        Assert.Equal(7, read.State.DesiredVersion);
    }

    [Fact]
    public async Task A_second_activation_that_read_the_same_version_cannot_write_over_the_first()
    {
        var storage = Storage();
        var id = GrainId.Create("device", "twin-activations");
        await storage.WriteStateAsync("device", id, new GrainState<TwinLikeState> { State = new TwinLikeState { DesiredVersion = 1 } });
        var first = new GrainState<TwinLikeState> { State = new TwinLikeState() };
        var second = new GrainState<TwinLikeState> { State = new TwinLikeState() };
        await storage.ReadStateAsync("device", id, first);
        await storage.ReadStateAsync("device", id, second);

        first.State.DesiredVersion = 2;
        await storage.WriteStateAsync("device", id, first);
        first.State.DesiredVersion = 3;
        await storage.WriteStateAsync("device", id, first);
        second.State.DesiredVersion = 99;
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("device", id, second));

        var read = new GrainState<TwinLikeState> { State = new TwinLikeState() };
        await storage.ReadStateAsync("device", id, read);
        Assert.Equal((3, first.ETag), (read.State.DesiredVersion, read.ETag));
    }

    [Fact]
    public async Task A_state_that_shrinks_reads_back_whole()
    {
        var storage = Storage();
        var id = GrainId.Create("device", "shrink-test");
        var state = new GrainState<TwinLikeState> { State = new TwinLikeState() };
        await storage.ReadStateAsync("device", id, state);
        for (var i = 0; i < 20; i++)
        {
            state.State.Desired[$"setting-{i}"] = new string('x', 40);
        }

        // Large twice, so both slots hold a long record, then small: each slot is overwritten by a shorter one.
        await storage.WriteStateAsync("device", id, state);
        await storage.WriteStateAsync("device", id, state);
        state.State.Desired.Clear();
        state.State.DesiredVersion = 5;
        await storage.WriteStateAsync("device", id, state);
        state.State.DesiredVersion = 6;
        await storage.WriteStateAsync("device", id, state);

        var read = new GrainState<TwinLikeState> { State = new TwinLikeState() };
        await storage.ReadStateAsync("device", id, read);
        Assert.Equal((6, "4"), (read.State.DesiredVersion, read.ETag));
        Assert.Empty(read.State.Desired);
    }

    public void Dispose() => _directory.Delete(recursive: true);
}
