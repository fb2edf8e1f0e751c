using IotAi.Grains.Rollouts;
using IotAi.Models;
using IotAi.Gateway.Http.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace IotAi.Gateway.Http;

/// <summary>The management API for rollouts: start one, follow it (a viewer), pause, resume or abort it (an operator).</summary>
internal static class RolloutEndpoints
{
    public static IEndpointRouteBuilder MapRolloutApi(this IEndpointRouteBuilder endpoints)
    {
        var rollouts = endpoints.MapGroup("/api/rollouts").RequireAuthorization(ApiPolicies.Viewer);
        rollouts.MapPost("/", static async (RolloutRequest request, IGrainFactory grains, ModelRegistry registry) =>
        {
            var id = request.Id ?? $"{request.Model}-{request.Version}-{DateTimeOffset.UtcNow:yyyyMMddHHmmss}";
            if (registry.TryFind(request.Model, request.Version) is null)
            {
                return Results.NotFound(new OipError($"model '{request.Model}' has no version '{request.Version}'"));
            }

            var plan = new RolloutPlan(
                request.Model,
                request.Version,
                request.Target ?? new RolloutTarget(),
                request.Stages ?? [new RolloutStage("canary", 10), new RolloutStage("half", 50), new RolloutStage("all", 100)],
                request.Gates ?? RolloutGates.Default,
                request.MaxConcurrentDownloads ?? 50);
            try
            {
                var status = await grains.GetGrain<IRolloutGrain>(id).StartAsync(plan);
                return Results.Created($"/api/rollouts/{id}", status);
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
            {
                return Results.BadRequest(new OipError(ex.Message));
            }
        }).RequireAuthorization(ApiPolicies.Operator);
        rollouts.MapGet("/{id}", static async (string id, IGrainFactory grains) =>
            await grains.GetGrain<IRolloutGrain>(id).GetStatusAsync() is { } status ? Results.Ok(status) : Results.NotFound(new OipError($"there is no rollout '{id}'")));
        rollouts.MapPost("/{id}/pause", static (string id, IGrainFactory grains) => ChangeAsync(() => grains.GetGrain<IRolloutGrain>(id).PauseAsync())).RequireAuthorization(ApiPolicies.Operator);
        rollouts.MapPost("/{id}/resume", static (string id, IGrainFactory grains) => ChangeAsync(() => grains.GetGrain<IRolloutGrain>(id).ResumeAsync())).RequireAuthorization(ApiPolicies.Operator);
        rollouts.MapPost("/{id}/abort", static (string id, IGrainFactory grains) => ChangeAsync(() => grains.GetGrain<IRolloutGrain>(id).AbortAsync("an operator aborted it"))).RequireAuthorization(ApiPolicies.Operator);
        return endpoints;
    }

    private static async Task<IResult> ChangeAsync(Func<Task<RolloutStatus>> change)
    {
        try
        {
            return Results.Ok(await change());
        }
        catch (KeyNotFoundException ex)
        {
            return Results.NotFound(new OipError(ex.Message));
        }
    }
}

/// <summary>The body of <c>POST /api/rollouts</c>; everything but the model and version has a default.</summary>
internal sealed record RolloutRequest(
    string Model,
    string Version,
    string? Id = null,
    RolloutTarget? Target = null,
    IReadOnlyList<RolloutStage>? Stages = null,
    RolloutGates? Gates = null,
    int? MaxConcurrentDownloads = null);
