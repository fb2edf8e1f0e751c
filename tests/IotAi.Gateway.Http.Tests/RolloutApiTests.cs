using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace IotAi.Gateway.Http.Tests;

/// <summary>The rollout API: start, follow, pause, resume and abort, with clear refusals.</summary>
[Collection(SiloGroup.Name)]
public sealed class RolloutApiTests(SiloFixture silo)
{
    [Fact]
    public async Task A_rollout_started_over_http_can_be_followed_paused_resumed_and_aborted()
    {
        await using var device = await TestDevice.ConnectAsync(silo.Host.MqttPort);
        var id = $"api-{Guid.NewGuid():N}";
        var tagged = await silo.Host.Http.PutAsJsonAsync($"/api/devices/{device.Id}/tags", new Dictionary<string, string> { ["site"] = id });

        var started = await silo.Host.Http.PostAsJsonAsync("/api/rollouts", new
        {
            id,
            model = "sensor-anomaly",
            version = "1",
            target = new { tags = new Dictionary<string, string> { ["site"] = id } },
            stages = new[] { new { name = "all", percent = 100 } },
        });
        var status = await started.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.NoContent, tagged.StatusCode);
        Assert.Equal(HttpStatusCode.Created, started.StatusCode);
        Assert.Equal((1, "Running"), (status.GetProperty("targets").GetInt32(), status.GetProperty("phase").GetString()));
        Assert.Equal(IotAi.Protocol.DeviceTopics.ModelOffer(device.Id), (await device.NextAsync()).Topic);
        Assert.Equal("Paused", await PhaseAfterAsync($"/api/rollouts/{id}/pause"));
        Assert.Equal("Running", await PhaseAfterAsync($"/api/rollouts/{id}/resume"));
        var aborted = await PhaseAfterAsync($"/api/rollouts/{id}/abort");
        Assert.Contains(aborted, new[] { "RollingBack", "Aborted" });
    }

    [Fact]
    public async Task Bad_rollouts_are_refused_with_the_reason()
    {
        var unknownModel = await silo.Host.Http.PostAsJsonAsync("/api/rollouts", new { model = "sensor-anomaly", version = "99" });
        var badStages = await silo.Host.Http.PostAsJsonAsync("/api/rollouts", new
        {
            model = "sensor-anomaly",
            version = "1",
            stages = new[] { new { name = "half", percent = 50 } },
        });
        var missing = await silo.Host.Http.GetAsync($"/api/rollouts/no-such-{Guid.NewGuid():N}");

        Assert.Equal(HttpStatusCode.NotFound, unknownModel.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badStages.StatusCode);
        Assert.Contains("last must be 100", (await badStages.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    private async Task<string?> PhaseAfterAsync(string path)
    {
        var response = await silo.Host.Http.PostAsync(path, null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("phase").GetString();
    }
}
