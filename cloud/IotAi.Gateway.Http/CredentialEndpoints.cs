using IotAi.Gateway.Mqtt.Identity;
using IotAi.Gateway.Http.Security;
using IotAi.Grains.Identity;
using IotAi.Protocol;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace IotAi.Gateway.Http;

/// <summary>
/// Provisioning: issue a device its secret, rotate it, revoke the device, and read where its credential stands.
/// A secret is in the answer that issued it and nowhere else; reads show generations and times, never hashes.
/// </summary>
internal static class CredentialEndpoints
{
    public static IEndpointRouteBuilder MapCredentialApi(this IEndpointRouteBuilder endpoints)
    {
        // Who may connect as which device is an admin's decision, reading it included.
        var credentials = endpoints.MapGroup("/api/devices/{deviceId}/credentials").RequireAuthorization(ApiPolicies.Admin);
        credentials.MapGet("/", static async (string deviceId, DeviceCredentials registry) =>
            !DeviceTopics.IsValidDeviceId(deviceId) ? Invalid(deviceId)
            : await registry.GetAsync(deviceId) is { } credential ? Results.Ok(View(deviceId, credential))
            : Results.NotFound(new OipError($"device {deviceId} is not enrolled")));
        credentials.MapPost("/", static (string deviceId, DeviceCredentials registry) =>
            IssueAsync(deviceId, () => registry.EnrolAsync(deviceId)));
        credentials.MapPost("/rotate", static (string deviceId, RotateRequest? request, DeviceCredentials registry) =>
            IssueAsync(deviceId, () => registry.RotateAsync(deviceId, TimeSpan.FromSeconds(request?.GraceSeconds ?? 0))));
        credentials.MapDelete("/", static async (string deviceId, DeviceCredentials registry) =>
            !DeviceTopics.IsValidDeviceId(deviceId) ? Invalid(deviceId)
            : await registry.RevokeAsync(deviceId) is { } revoked ? Results.Ok(View(deviceId, revoked))
            : Results.NotFound(new OipError($"device {deviceId} is not enrolled")));
        return endpoints;
    }

    private static async Task<IResult> IssueAsync(string deviceId, Func<Task<IssuedSecret>> issue)
    {
        if (!DeviceTopics.IsValidDeviceId(deviceId))
        {
            return Invalid(deviceId);
        }

        try
        {
            var issued = await issue();
            return Results.Created($"/api/devices/{deviceId}/credentials", issued);
        }
        catch (InvalidOperationException ex)
        {
            return Results.Conflict(new OipError(ex.Message));
        }
        catch (KeyNotFoundException ex)
        {
            return Results.NotFound(new OipError(ex.Message));
        }
    }

    private static CredentialView View(string deviceId, DeviceCredential credential) =>
        new(deviceId, credential.Generation, credential.IssuedAt, credential.RevokedAt, credential.PreviousValidUntil, credential.Current.Algorithm, credential.Current.Iterations);

    private static IResult Invalid(string deviceId) => Results.BadRequest(new OipError($"'{deviceId}' is not a valid device id"));
}

/// <summary>How long the secret being replaced stays good, so a device can move to the new one without a gap.</summary>
internal sealed record RotateRequest(int? GraceSeconds);

/// <summary>Where a device's credential stands; no secret or hash.</summary>
internal sealed record CredentialView(string DeviceId, int Generation, DateTimeOffset IssuedAt, DateTimeOffset? RevokedAt, DateTimeOffset? PreviousValidUntil, string Algorithm, int Iterations);
