using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using IotAi.Learning;
using IotAi.Models;
using IotAi.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;

namespace IotAi.Tests.Shared;

/// <summary>Training runs as the tests start them: over HTTP, followed to their verdict.</summary>
internal static class TrainingRuns
{
    /// <summary>Registers the shipped sensor model again under <paramref name="name"/>, so a test retrains a model of its own.</summary>
    public static ModelRegistry CopySensorModel(IServiceProvider services, string name)
    {
        var registry = services.GetRequiredService<ModelRegistry>();
        var sensor = registry.Open("sensor-anomaly", "1");
        registry.Import(ModelPackage.Create(sensor.Manifest with { Name = name }, sensor.Onnx, services.GetRequiredService<ModelKeyring>().Signer));
        return registry;
    }

    /// <summary>
    /// Keeps <paramref name="count"/> labelled readings of a machine whose baseline moved by <paramref name="drift"/> degrees as
    /// hard examples, and 200 more of the same world as evaluation samples, as capture would leave them.
    /// </summary>
    public static void KeepReadings(IServiceProvider services, string model, int count, double drift, int seed)
    {
        var store = services.GetRequiredService<FileSampleStore>();
        LabelledReadings.Keep(store, model, $"{model}-dev", count, drift, seed, DateTimeOffset.UtcNow);
        LabelledReadings.Keep(store, model, $"{model}-eval", 200, drift, seed + 1000, DateTimeOffset.UtcNow, reasons: CaptureReasons.Evaluation);
    }

    /// <summary>Starts a run with <c>POST /api/training</c> and polls it until it is no longer running.</summary>
    public static async Task<(string RunId, JsonElement Status)> RunToVerdictAsync(HttpClient http, object request)
    {
        var started = await http.PostAsJsonAsync("/api/training", request);
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var runId = (await started.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("runId").GetString()!;
        JsonElement status = default;
        await Eventually.TrueAsync(async () => (status = await http.GetFromJsonAsync<JsonElement>($"/api/training/{runId}")).GetProperty("state").GetString() != "running",
            "the training run did not finish", seconds: 120);
        return (runId, status);
    }
}
