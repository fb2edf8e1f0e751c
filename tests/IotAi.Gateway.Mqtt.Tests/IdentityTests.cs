using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using IotAi.Edge.Tests;
using IotAi.Gateway.Mqtt.Identity;
using IotAi.Grains;
using IotAi.Protocol;
using IotAi.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;
using MQTTnet;
using MQTTnet.Protocol;

namespace IotAi.Gateway.Mqtt.Tests;

/// <summary>
/// A silo as shipped, with device authentication on: devices prove their secret, revoked and unknown ones are
/// refused with their MQTT 5 codes, and every device is held to its own topics, while enrolled neighbours go on.
/// </summary>
public sealed class IdentityTests : IAsyncLifetime, IDisposable
{
    private const string ObserverSecret = "observer-secret-for-tests";
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("iotai-identity-");
    private readonly RecordingLoggerProvider _logs = new();
    private GatewayHost _silo = null!;

    private DeviceCredentials Registry => _silo.Services.GetRequiredService<DeviceCredentials>();

    public async Task InitializeAsync() => _silo = await GatewayHost.StartAsync(_data.FullName, new Dictionary<string, string?>
    {
        ["Mqtt:Authentication:Mode"] = "Credentials",
        ["Mqtt:Authentication:Iterations"] = "1000",
        ["Mqtt:Authentication:Accounts:dashboard:SecretHash"] = DeviceSecrets.Format(DeviceSecrets.Hash(ObserverSecret, 1000)),
        ["Mqtt:Authentication:Accounts:dashboard:Role"] = "Observer",
    }, logs: _logs);

    public async Task DisposeAsync()
    {
        await _silo.DisposeAsync();
        _data.Delete(recursive: true);
    }

    public void Dispose() => _logs.Dispose();

    [Fact]
    public async Task Missing_wrong_unknown_and_revoked_credentials_are_refused_with_their_codes_while_an_enrolled_neighbour_is_answered()
    {
        var neighbour = await Registry.EnrolAsync("id-neighbour");
        var revoked = await Registry.EnrolAsync("id-revoked");
        await Registry.RevokeAsync("id-revoked");
        await using var device = await TestDevice.ConnectAsync(_silo.MqttPort, "id-neighbour", secret: neighbour.Secret);

        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, await ConnectAsync("id-neighbour", null));
        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, await ConnectAsync("id-neighbour", "not-its-secret"));
        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, await ConnectAsync("id-stranger", neighbour.Secret));
        Assert.Equal(MqttClientConnectResultCode.Banned, await ConnectAsync("id-revoked", revoked.Secret));
        Assert.Equal(MqttClientConnectResultCode.NotAuthorized, await ConnectAsync("id-neighbour", neighbour.Secret, user: "id-revoked"));

        await device.SendTelemetryAsync(seq: 1, temperature: 90);
        Assert.Equal("anomaly", (await device.NextResultAsync()).Label);
    }

    [Fact]
    public async Task Revoking_a_connected_device_closes_its_connection_and_enrolling_it_again_lets_it_back()
    {
        var first = await Registry.EnrolAsync("id-revoke-live");
        await using var device = await TestDevice.ConnectAsync(_silo.MqttPort, "id-revoke-live", secret: first.Secret);

        var revoked = await _silo.Http.DeleteAsync("/api/devices/id-revoke-live/credentials");

        Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);
        Assert.Equal(MqttClientDisconnectReason.NotAuthorized, (await device.Disconnected).Reason);
        Assert.Equal(MqttClientConnectResultCode.Banned, await ConnectAsync("id-revoke-live", first.Secret));
        var again = await (await _silo.Http.PostAsync("/api/devices/id-revoke-live/credentials", null)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, await ConnectAsync("id-revoke-live", first.Secret));
        Assert.Equal(MqttClientConnectResultCode.Success, await ConnectAsync("id-revoke-live", again.GetProperty("secret").GetString()));
    }

    [Fact]
    public async Task A_rotated_secret_replaces_the_old_one_at_once_unless_a_grace_is_given()
    {
        var first = await Registry.EnrolAsync("id-rotate");
        Assert.Equal(MqttClientConnectResultCode.Success, await ConnectAsync("id-rotate", first.Secret));

        var second = await Registry.RotateAsync("id-rotate", TimeSpan.FromHours(1));
        Assert.Equal(MqttClientConnectResultCode.Success, await ConnectAsync("id-rotate", first.Secret));
        Assert.Equal(MqttClientConnectResultCode.Success, await ConnectAsync("id-rotate", second.Secret));

        var third = await Registry.RotateAsync("id-rotate", TimeSpan.Zero);
        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, await ConnectAsync("id-rotate", first.Secret));
        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, await ConnectAsync("id-rotate", second.Secret));
        Assert.Equal(MqttClientConnectResultCode.Success, await ConnectAsync("id-rotate", third.Secret));
    }

    [Fact]
    public async Task A_device_may_use_only_its_own_topics_and_an_observer_may_watch_but_not_publish()
    {
        var victim = await Registry.EnrolAsync("id-victim");
        var intruder = await Registry.EnrolAsync("id-intruder");
        await using var target = await TestDevice.ConnectAsync(_silo.MqttPort, "id-victim", secret: victim.Secret);
        await using var device = await TestDevice.ConnectAsync(_silo.MqttPort, "id-intruder", secret: intruder.Secret);
        await using var observer = await TestDevice.ConnectAsync(_silo.MqttPort, "dashboard-1", secret: ObserverSecret, user: "dashboard", subscribe: false);

        var forged = await device.PublishAsync(DeviceTopics.Telemetry("id-victim"), Encoding.UTF8.GetBytes("""{"values":{"temperature":80}}"""), seq: 1);
        var eavesdrop = await device.SubscribeAsync(DeviceTopics.DownlinkFilter("id-victim"));
        var wildcard = await device.SubscribeAsync($"{DeviceTopics.Root}/+/down/#");
        var own = await device.SubscribeAsync(DeviceTopics.DownlinkFilter("id-intruder"));
        var watch = await observer.SubscribeAsync($"{DeviceTopics.Root}/+/down/#");
        var observerPublish = await observer.PublishAsync(DeviceTopics.Telemetry("id-victim"), Encoding.UTF8.GetBytes("{}"), seq: 2);

        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, forged.ReasonCode);
        Assert.Equal(MqttClientSubscribeResultCode.NotAuthorized, eavesdrop.Items.Single().ResultCode);
        Assert.Equal(MqttClientSubscribeResultCode.NotAuthorized, wildcard.Items.Single().ResultCode);
        Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS1, own.Items.Single().ResultCode);
        Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS1, watch.Items.Single().ResultCode);
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, observerPublish.ReasonCode);
        await target.SendTelemetryAsync(seq: 1, temperature: 45);
        Assert.Equal(DeviceTopics.Result("id-victim"), (await target.NextAsync()).Topic);
        Assert.Equal(DeviceTopics.Result("id-victim"), (await observer.NextAsync()).Topic);
    }

    [Fact]
    public async Task An_edge_agent_with_its_secret_file_connects_and_its_readings_are_answered()
    {
        var issued = await Registry.EnrolAsync("id-edge");
        var secretFile = Path.Combine(_data.FullName, "id-edge.secret");
        await File.WriteAllTextAsync(secretFile, issued.Secret + "\n");
        var overrides = new Dictionary<string, string?> { ["SecretFile"] = secretFile, ["SensorInterval"] = "00:00:00.050" };
        await using var agent = await EdgeAgentHost.StartAsync(EdgeAgentHost.Build("id-edge", _silo.MqttPort, Path.Combine(_data.FullName, "edge"), overrides));

        await Eventually.TrueAsync(async () => (await _silo.Grains.GetGrain<IDeviceGrain>("id-edge").GetTwinAsync()).HighestSeq >= 3,
            "the enrolled edge agent's readings did not arrive", seconds: 30);
    }

    [Fact]
    public async Task Refusals_are_logged_with_the_client_and_reason_but_no_secret_issued_or_presented_is_ever_logged()
    {
        var first = await Registry.EnrolAsync("id-logged");
        var second = await Registry.RotateAsync("id-logged", TimeSpan.Zero);
        const string Guess = "a-guessed-secret-that-must-not-be-logged";

        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, await ConnectAsync("id-logged", Guess));
        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, await ConnectAsync("id-logged", first.Secret));
        Assert.Equal(MqttClientConnectResultCode.Success, await ConnectAsync("id-logged", second.Secret));
        await _logs.WaitForAsync(static m => m.Contains("id-logged", StringComparison.Ordinal) && m.Contains("wrong secret", StringComparison.Ordinal));

        Assert.Contains(_logs.Entries, static e => e.Message.Contains("Issued secret 2 to device id-logged", StringComparison.Ordinal));
        Assert.DoesNotContain(_logs.Entries, e => e.Message.Contains(Guess, StringComparison.Ordinal)
            || e.Message.Contains(first.Secret, StringComparison.Ordinal) || e.Message.Contains(second.Secret, StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_provisioning_api_shows_a_secret_once_and_never_a_hash()
    {
        var issued = await _silo.Http.PostAsync("/api/devices/id-api/credentials", null);
        var twice = await _silo.Http.PostAsync("/api/devices/id-api/credentials", null);
        var read = await _silo.Http.GetStringAsync("/api/devices/id-api/credentials");
        var secret = (await issued.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("secret").GetString()!;

        Assert.Equal(HttpStatusCode.Created, issued.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, twice.StatusCode);
        Assert.DoesNotContain(secret, read, StringComparison.Ordinal);
        Assert.DoesNotContain("salt", read, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("\"generation\":1", read, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await _silo.Http.GetAsync("/api/devices/id-never/credentials")).StatusCode);
    }

    private async Task<MqttClientConnectResultCode> ConnectAsync(string clientId, string? secret, string? user = null)
    {
        using var client = new MqttClientFactory().CreateMqttClient();
        var options = new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", _silo.MqttPort).WithClientId(clientId)
            .WithCredentials(secret is null ? user : user ?? clientId, secret).Build();
        var result = await client.ConnectAsync(options);
        if (client.IsConnected)
        {
            await client.DisconnectAsync();
        }

        return result.ResultCode;
    }
}
