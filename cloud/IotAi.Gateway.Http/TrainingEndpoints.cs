using IotAi.Gateway.Learning;
using IotAi.Models;
using IotAi.Gateway.Http.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace IotAi.Gateway.Http;

/// <summary>Starting a training run by hand (an operator), following it, and listing the runs this silo started (a viewer).</summary>
internal static class TrainingEndpoints
{
    public static IEndpointRouteBuilder MapTrainingApi(this IEndpointRouteBuilder endpoints)
    {
        var training = endpoints.MapGroup("/api/training").RequireAuthorization(ApiPolicies.Viewer);
        training.MapPost("/", static (TrainingStart start, TrainingService service, ModelRegistry registry) =>
        {
            if (!ModelRegistry.IsValidName(start.Model) || registry.Active(start.Model) is null)
            {
                return Results.NotFound(new OipError($"model '{start.Model}' has no active version to retrain"));
            }

            if (start.Validate() is { } error)
            {
                return Results.BadRequest(new OipError(error));
            }

            try
            {
                var status = service.Start(start);
                return Results.Accepted($"/api/training/{status.RunId}", status);
            }
            catch (InvalidOperationException ex)
            {
                return Results.Conflict(new OipError(ex.Message));
            }
        }).RequireAuthorization(ApiPolicies.Operator);
        training.MapGet("/", static (string? model, TrainingService service) => Results.Ok(service.List(model)));
        training.MapGet("/{runId}", static (string runId, TrainingService service) =>
            service.Find(runId) is { } status ? Results.Ok(status) : Results.NotFound(new OipError($"there is no training run '{runId}'")));
        return endpoints;
    }
}
