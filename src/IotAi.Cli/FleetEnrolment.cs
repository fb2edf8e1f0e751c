using IotAi.Client;
using System.Net;
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
    public static async Task EnrolAsync(IotAiClient silo, FleetOptions fleet, CancellationToken cancellationToken)
    {
        foreach (var id in Enumerable.Range(0, fleet.Devices).Select(fleet.DeviceId))
        {
            JsonElement issued;
            try
            {
                issued = await silo.EnrolAsync(id, cancellationToken);
            }
            catch (ApiRefusedException refused) when (refused.Status == HttpStatusCode.Conflict)
            {
                // Enrolled before: a fresh secret, the old one gone at once.
                issued = await silo.RotateCredentialAsync(id, 0, cancellationToken);
            }

            fleet.Secrets[id] = issued.GetProperty("secret").GetString()!;
        }
    }
}
