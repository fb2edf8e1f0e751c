using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using IotAi.Gateway.Mqtt.Identity;
using IotAi.Simulator;

namespace IotAi.Cli;

/// <summary>
/// Gives a simulated fleet's devices their secrets before they connect: each device is enrolled, or, when an
/// earlier run enrolled it already, given a new secret at once. The secrets live only in the fleet's memory.
/// </summary>
internal static class FleetEnrolment
{
    /// <summary>Through the registry of a silo in this process, as the demo runs one.</summary>
    public static async Task EnrolAsync(DeviceCredentials registry, FleetOptions fleet)
    {
        foreach (var id in Enumerable.Range(0, fleet.Devices).Select(fleet.DeviceId))
        {
            IssuedSecret issued;
            try
            {
                issued = await registry.EnrolAsync(id);
            }
            catch (InvalidOperationException)
            {
                issued = await registry.RotateAsync(id, TimeSpan.Zero);
            }

            fleet.Secrets[id] = issued.Secret;
        }
    }

    /// <summary>Through a silo's provisioning API, for a fleet pointed at a gateway elsewhere.</summary>
    public static async Task EnrolAsync(HttpClient silo, FleetOptions fleet, CancellationToken cancellationToken)
    {
        foreach (var id in Enumerable.Range(0, fleet.Devices).Select(fleet.DeviceId))
        {
            var path = $"/api/devices/{Uri.EscapeDataString(id)}/credentials";
            var response = await silo.PostAsync(path, null, cancellationToken);
            if (response.StatusCode == HttpStatusCode.Conflict)
            {
                response = await silo.PostAsJsonAsync($"{path}/rotate", new { graceSeconds = 0 }, cancellationToken);
            }

            var issued = await SiloReplies.ReadAsync<JsonElement>(response, cancellationToken);
            fleet.Secrets[id] = issued.GetProperty("secret").GetString()!;
        }
    }
}
