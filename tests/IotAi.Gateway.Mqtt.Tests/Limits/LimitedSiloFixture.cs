namespace IotAi.Gateway.Mqtt.Tests.Limits;

/// <summary>A silo with limits small enough for tests to reach; each test connects from its own <see cref="SourceAddress"/>.</summary>
public sealed class LimitedSiloFixture : IAsyncLifetime
{
    public const int MaxPacketBytes = 256 * 1024;
    public const int MaxJsonBytes = 4096;
    public const int MaxImagePixels = 1_000_000;
    public const int MessageBurst = 5;
    public const int MaxConnectionsPerAddress = 3;
    public const int ConnectBurstPerAddress = 5;
    public const int MaxPendingConnectionsPerAddress = 4;
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(2);

    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("iotai-limits-");
    private GatewayHost? _host;

    internal GatewayHost Host => _host ?? throw new InvalidOperationException("The silo has not started.");

    public async Task InitializeAsync() => _host = await GatewayHost.StartAsync(_data.FullName, new Dictionary<string, string?>
    {
        ["Mqtt:Limits:MaxPacketBytes"] = $"{MaxPacketBytes}",
        ["Mqtt:Limits:ByteBurst"] = $"{MaxPacketBytes}",
        ["Mqtt:Limits:MaxImageBytes"] = $"{MaxPacketBytes / 2}",
        ["Mqtt:Limits:MaxJsonBytes"] = $"{MaxJsonBytes}",
        ["Mqtt:Limits:MaxImagePixels"] = $"{MaxImagePixels}",
        ["Mqtt:Limits:MessagesPerSecond"] = "1",
        ["Mqtt:Limits:MessageBurst"] = $"{MessageBurst}",
        ["Mqtt:Limits:MaxConnectionsPerAddress"] = $"{MaxConnectionsPerAddress}",
        ["Mqtt:Limits:ConnectsPerSecondPerAddress"] = "1",
        ["Mqtt:Limits:ConnectBurstPerAddress"] = $"{ConnectBurstPerAddress}",
        ["Mqtt:Limits:MaxPendingConnectionsPerAddress"] = $"{MaxPendingConnectionsPerAddress}",
        ["Mqtt:Limits:ConnectTimeout"] = $"{ConnectTimeout}",
    });

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }

        _data.Delete(recursive: true);
    }
}

[CollectionDefinition(Name)]
public sealed class LimitedSiloGroup : ICollectionFixture<LimitedSiloFixture>
{
    public const string Name = "limited silo";
}
