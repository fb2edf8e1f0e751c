using IotAi.Edge.Tests;
using IotAi.Gateway.Http.Security;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace IotAi.Gateway.Http.Tests.Security;

/// <summary>
/// A silo whose failed-login throttle, alone, runs on a clock the tests turn: an address is locked out at its
/// <see cref="FailuresPerAddress"/>th failure, a key at its <see cref="FailuresPerKey"/>th, for <see cref="Window"/>.
/// Its tests run one at a time (one class), each from loopback addresses of its own.
/// </summary>
public sealed class ThrottledSilo : IAsyncLifetime
{
    public const int FailuresPerAddress = 3;
    public const int FailuresPerKey = 2;

    public static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("iotai-e2e-throttled-");
    private GatewayHost? _host;

    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    public string AdminKey { get; } = ApiKeyHash.NewKey();

    public RecordingLoggerProvider Logs { get; } = new();

    public string DataDirectory => _data.FullName;

    internal GatewayHost Host => _host ?? throw new InvalidOperationException("The silo has not started.");

    public async Task InitializeAsync() => _host = await GatewayHost.StartAsync(_data.FullName, new Dictionary<string, string?>
    {
        ["Security:Api:Keys:root:Hash"] = ApiKeyHash.Of(AdminKey),
        ["Security:Api:Keys:root:Role"] = ApiRoles.Admin,
        ["Security:Api:Throttle:FailuresPerAddress"] = $"{FailuresPerAddress}",
        ["Security:Api:Throttle:FailuresPerKey"] = $"{FailuresPerKey}",
        ["Security:Api:Throttle:Window"] = $"{Window:c}",
    }, adminKey: AdminKey, logs: Logs, services: services => services.Replace(ServiceDescriptor.Singleton(sp => new LoginThrottle(
        sp.GetRequiredService<IOptions<ApiSecurityOptions>>().Value.Throttle, Clock, sp.GetRequiredService<ApiTelemetry>(), sp.GetRequiredService<ILogger<LoginThrottle>>()))));

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }

        Logs.Dispose();
        _data.Delete(recursive: true);
    }
}
