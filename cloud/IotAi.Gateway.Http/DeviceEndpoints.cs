using IotAi.Grains;
using IotAi.Models;
using IotAi.Protocol;
using IotAi.Gateway.Http.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace IotAi.Gateway.Http;

/// <summary>
/// The management API for devices: read a twin, set desired properties, offer a model. It reaches each
/// device through its grain, wherever in the cluster that lives. Reading needs a viewer, changing an operator.
/// </summary>
internal static class DeviceEndpoints
{
    public static IEndpointRouteBuilder MapDeviceApi(this IEndpointRouteBuilder endpoints)
    {
        var devices = endpoints.MapGroup("/api/devices/{deviceId}").RequireAuthorization(ApiPolicies.Viewer);
        devices.MapGet("/", static async (string deviceId, IGrainFactory grains) =>
            DeviceTopics.IsValidDeviceId(deviceId) ? Results.Ok(await grains.GetGrain<IDeviceGrain>(deviceId).GetTwinAsync()) : InvalidDevice(deviceId));
        devices.MapPatch("/desired", static async (string deviceId, Dictionary<string, string> desired, IGrainFactory grains) =>
        {
            if (!DeviceTopics.IsValidDeviceId(deviceId))
            {
                return InvalidDevice(deviceId);
            }

            await grains.GetGrain<IDeviceGrain>(deviceId).SetDesiredAsync(desired);
            return Results.NoContent();
        }).RequireAuthorization(ApiPolicies.Operator);
        devices.MapPut("/tags", static async (string deviceId, Dictionary<string, string> tags, IGrainFactory grains) =>
        {
            if (!DeviceTopics.IsValidDeviceId(deviceId))
            {
                return InvalidDevice(deviceId);
            }

            await grains.GetGrain<IDeviceGrain>(deviceId).SetTagsAsync(tags);
            return Results.NoContent();
        }).RequireAuthorization(ApiPolicies.Operator);
        devices.MapPost("/models/offer", static async (string deviceId, ModelOfferRequest request, IGrainFactory grains, ModelRegistry registry) =>
        {
            if (!DeviceTopics.IsValidDeviceId(deviceId))
            {
                return InvalidDevice(deviceId);
            }

            if (registry.TryFind(request.Name, request.Version) is null)
            {
                return Results.NotFound(new OipError($"model '{request.Name}' has no version '{request.Version}'"));
            }

            await grains.GetGrain<IDeviceGrain>(deviceId).OfferModelAsync(request.Name, request.Version);
            return Results.Accepted($"/api/devices/{deviceId}");
        }).RequireAuthorization(ApiPolicies.Operator);
        return endpoints;
    }

    private static IResult InvalidDevice(string deviceId) =>
        Results.BadRequest(new OipError($"'{deviceId}' is not a device id: 1 to {DeviceTopics.MaxDeviceIdLength} letters, digits, '-', '_', '.' or ':'"));
}

/// <summary>The body of <c>POST /api/devices/{id}/models/offer</c>.</summary>
internal sealed record ModelOfferRequest(string Name, string Version);
