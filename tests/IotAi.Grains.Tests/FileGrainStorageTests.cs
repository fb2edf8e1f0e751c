using IotAi.Gateway.Storage;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Orleans.Storage;

namespace IotAi.Grains.Tests;

[Collection(ClusterGroup.Name)]
public sealed class FileGrainStorageTests(ClusterFixture fixture) : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("iotai-storage-");

    private FileGrainStorage Storage() => new(
        new FileGrainStorageOptions { Directory = _directory.FullName },
        fixture.Cluster.Silos[0].ServiceProvider.GetRequiredService<Serializer>());

    [Fact]
    public async Task A_write_with_a_stale_etag_is_refused_and_the_newer_state_kept()
    {
        var storage = Storage();
        var id = GrainId.Create("device", "etag-test");
        var first = new GrainState<DeviceState> { State = new DeviceState { DesiredVersion = 1 } };
        var stale = new GrainState<DeviceState> { State = new DeviceState { DesiredVersion = 99 } };

        await storage.WriteStateAsync("device", id, first);
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("device", id, stale));

        var read = new GrainState<DeviceState> { State = new DeviceState() };
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
        var state = new GrainState<DeviceState> { State = new DeviceState { DesiredVersion = 3 } };
        await storage.WriteStateAsync("device", id, state);

        await storage.ClearStateAsync("device", id, state);
        var read = new GrainState<DeviceState> { State = new DeviceState() };
        await storage.ReadStateAsync("device", id, read);

        Assert.False(read.RecordExists);
        Assert.Equal(0, read.State.DesiredVersion);
        Assert.Empty(Directory.EnumerateFiles(_directory.FullName, "*", SearchOption.AllDirectories));
    }

    public void Dispose() => _directory.Delete(recursive: true);
}
