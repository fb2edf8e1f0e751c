using IotAi.Grains;

namespace IotAi.Grains.Tests;

[Collection(ClusterGroup.Name)]
public sealed class DeviceDirectoryTests(ClusterFixture fixture)
{
    [Fact]
    public async Task Registrations_made_at_once_all_land_and_outlive_the_directorys_activation()
    {
        var batch = new Dictionary<string, string> { ["batch"] = Guid.NewGuid().ToString("N") };
        var ids = Enumerable.Range(0, 300).Select(i => $"dir-{batch["batch"][..8]}-{i:D3}").ToList();
        var directory = fixture.Grains.GetGrain<IDeviceDirectoryGrain>(0);

        // Each call returns only once a write holding its device has landed, however the writes were shared.
        await Task.WhenAll(ids.Select(id => directory.RegisterAsync(id, batch)));
        await fixture.Cluster.DeactivateAsync(directory);

        Assert.Equal(ids, await directory.FindAsync(batch));
    }

    [Fact]
    public async Task A_device_whose_tags_change_is_found_by_its_new_tags_only()
    {
        var id = $"dir-{Guid.NewGuid():N}";
        var before = new Dictionary<string, string> { ["site"] = id + "-a" };
        var after = new Dictionary<string, string> { ["site"] = id + "-b" };
        var directory = fixture.Grains.GetGrain<IDeviceDirectoryGrain>(0);

        await directory.RegisterAsync(id, before);
        await directory.RegisterAsync(id, after);
        await fixture.Cluster.DeactivateAsync(directory);

        Assert.Empty(await directory.FindAsync(before));
        Assert.Equal([id], await directory.FindAsync(after));
    }
}
