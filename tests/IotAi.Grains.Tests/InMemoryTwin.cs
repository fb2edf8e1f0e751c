namespace IotAi.Grains.Tests;

/// <summary>A twin kept in memory that counts its writes.</summary>
internal sealed class InMemoryTwin : IPersistentState<DeviceState>
{
    public DeviceState State { get; set; } = new();

    public string? Etag => null;

    public bool RecordExists => Writes > 0;

    public int Writes { get; private set; }

    public Task ClearStateAsync() => Task.CompletedTask;

    public Task WriteStateAsync()
    {
        Writes++;
        return Task.CompletedTask;
    }

    public Task ReadStateAsync() => Task.CompletedTask;
}
