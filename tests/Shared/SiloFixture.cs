namespace IotAi.Tests.Shared;

/// <summary>One running silo shared by the tests of a collection; each test uses its own device ids.</summary>
public sealed class SiloFixture : IAsyncLifetime
{
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("iotai-e2e-");
    private GatewayHost? _host;

    internal GatewayHost Host => _host ?? throw new InvalidOperationException("The silo has not started.");

    public async Task InitializeAsync() => _host = await GatewayHost.StartAsync(_data.FullName);

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
public sealed class SiloGroup : ICollectionFixture<SiloFixture>
{
    public const string Name = "silo";
}
