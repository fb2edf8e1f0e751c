using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace IotAi.Gateway.Http.Tests;

/// <summary>The management API reaches devices through their grains: twin, desired properties, model offers.</summary>
[Collection(SiloGroup.Name)]
public sealed class DeviceApiTests(SiloFixture silo)
{
    [Fact]
    public async Task Desired_properties_set_over_http_reach_the_connected_device()
    {
        await using var device = await TestDevice.ConnectAsync(silo.Host.MqttPort);
        await device.SendTelemetryAsync(seq: 1, temperature: 45);
        await device.NextResultAsync();

        var patched = await silo.Host.Http.PatchAsJsonAsync($"/api/devices/{device.Id}/desired", new Dictionary<string, string> { ["samplingMs"] = "250" });
        var desired = await device.NextDesiredAsync();
        var twin = await silo.Host.Http.GetFromJsonAsync<JsonElement>($"/api/devices/{device.Id}");

        Assert.Equal(HttpStatusCode.NoContent, patched.StatusCode);
        Assert.Equal("250", desired.Desired["samplingMs"]);
        Assert.Equal(1, twin.GetProperty("counters").GetProperty("telemetry").GetInt64());
        Assert.True(twin.GetProperty("connected").GetBoolean());
    }

    [Fact]
    public async Task A_model_offer_over_http_reaches_the_device_and_unknown_models_are_404()
    {
        await using var device = await TestDevice.ConnectAsync(silo.Host.MqttPort);

        var accepted = await silo.Host.Http.PostAsJsonAsync($"/api/devices/{device.Id}/models/offer", new { name = "sensor-anomaly", version = "1" });
        var offer = await device.NextAsync();
        var unknown = await silo.Host.Http.PostAsJsonAsync($"/api/devices/{device.Id}/models/offer", new { name = "sensor-anomaly", version = "42" });
        var badId = await silo.Host.Http.GetAsync("/api/devices/bad%20id");

        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        Assert.Equal(IotAi.Protocol.DeviceTopics.ModelOffer(device.Id), offer.Topic);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badId.StatusCode);
    }
}
