using IotAi.Bench;

namespace IotAi.Conformance.Tests;

/// <summary>
/// The brokers every case runs against: a silo (authentication off, so clients need no device ids) and Mosquitto,
/// the reference. A case that passes on Mosquitto and fails on the gateway is a gap; one that behaves differently
/// on purpose is a choice docs/protocol.md explains.
/// </summary>
public sealed class Brokers : IAsyncLifetime
{
    public const string Gateway = "gateway";
    public const string Mosquitto = "mosquitto";

    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("iotai-conformance-");
    private GatewayHost? _gateway;
    private MosquittoProcess? _mosquitto;

    internal GatewayHost Silo => _gateway!;

    public int Port(string broker) => broker switch
    {
        Gateway => _gateway!.MqttPort,
        Mosquitto => _mosquitto!.Port,
        _ => throw new ArgumentOutOfRangeException(nameof(broker), broker, "no such broker"),
    };

    public async Task InitializeAsync()
    {
        _gateway = await GatewayHost.StartAsync(_data.FullName);
        // CI installs Mosquitto (tests/run); a machine without it fails here, saying what to install.
        _mosquitto = await MosquittoProcess.StartRequiredAsync(CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        if (_mosquitto is not null)
        {
            await _mosquitto.DisposeAsync();
        }

        if (_gateway is not null)
        {
            await _gateway.DisposeAsync();
        }

        _data.Delete(recursive: true);
    }
}

[CollectionDefinition(Name)]
public sealed class BrokersGroup : ICollectionFixture<Brokers>
{
    public const string Name = "brokers";
}
