using IotAi.Models;
using IotAi.Gateway.Http.Security;
using IotAi.Grains;
using IotAi.Grains.Keys;
using IotAi.Protocol;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace IotAi.Gateway.Http;

/// <summary>
/// The trusted model key set devices are given, and which version each device holds, so operators can see who has
/// rolled to a new key before they sign with it. Reading needs a viewer.
/// </summary>
internal static class ModelKeyEndpoints
{
    /// <summary>How devices that never reported a key set are listed.</summary>
    public const string NoKeySet = "none";

    public static IEndpointRouteBuilder MapModelKeyApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/api/models/keys", static async (IGrainFactory grains) =>
        {
            var set = await grains.GetGrain<IModelKeySetGrain>(0).GetAsync();
            var devices = await grains.GetGrain<IDeviceDirectoryGrain>(0).FindAsync(new Dictionary<string, string>());
            var twins = await Task.WhenAll(devices.Select(id => grains.GetGrain<IDeviceGrain>(id).GetTwinAsync()));
            var holders = twins
                .GroupBy(static t => t.Reported.GetValueOrDefault(ReportedProperties.KeySetVersion) is { } held and not "0" ? held : NoKeySet)
                .OrderBy(static g => g.Key, StringComparer.Ordinal)
                .ToDictionary(static g => g.Key, static g => (IReadOnlyList<string>)[.. g.Select(static t => t.DeviceId)], StringComparer.Ordinal);
            return set is null
                ? Results.NotFound(new OipError("no silo has published a model key set yet"))
                : Results.Ok(new ModelKeySetView(set.Version, set.IssuedAt, set.SignedBy, set.KeyIds, holders));
        }).RequireAuthorization(ApiPolicies.Viewer);
        return endpoints;
    }
}
