using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using IotAi.Silo;
using IotAi.ServiceDefaults;
using IotAi.Learning;
using IotAi.Models;
using IotAi.Protocol;
using IotAi.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;
using MQTTnet;
using MQTTnet.Packets;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace IotAi.Gateway.Http.Tests;

/// <summary>A training run started over HTTP: it retrains on kept samples, passes the gate, registers and rolls out.</summary>
[Collection(SiloGroup.Name)]
public sealed class TrainingApiTests(SiloFixture silo)
{
    private readonly string _model = $"train-{Guid.NewGuid():N}"[..14];

    private HttpClient Http => silo.Host.Http;

    [Fact]
    public async Task A_run_retrains_on_drifted_samples_registers_the_winner_and_rolls_it_out_to_the_tagged_devices()
    {
        var spans = new LockedCollection<Activity>();
        using var tracing = Sdk.CreateTracerProviderBuilder().AddSource(SiloObservability.Sources).AddInMemoryExporter(spans).Build();
        var registry = TrainingRuns.CopySensorModel(silo.Host.Services, _model);
        // Readings of a machine whose temperature baseline moved by 12 degrees: what the v1 model gets wrong.
        TrainingRuns.KeepReadings(silo.Host.Services, _model, 600, drift: 12, seed: 23);
        await using var device = await TestDevice.ConnectAsync(silo.Host.MqttPort);
        await Http.PutAsJsonAsync($"/api/devices/{device.Id}/tags", new Dictionary<string, string> { ["fleet"] = _model });

        var (_, status) = await TrainingRuns.RunToVerdictAsync(Http, new { model = _model, rolloutTags = new Dictionary<string, string> { ["fleet"] = _model } });

        Assert.Equal("registered", status.GetProperty("state").GetString());
        var outcome = status.GetProperty("outcome");
        Assert.Equal("2", outcome.GetProperty("registeredVersion").GetString());
        var traffic = outcome.GetProperty("traffic");
        Assert.True(traffic.GetProperty("candidate").GetProperty("accuracy").GetDouble() > traffic.GetProperty("current").GetProperty("accuracy").GetDouble());
        Assert.All(outcome.GetProperty("gates").EnumerateArray(), g => Assert.True(g.GetProperty("passed").GetBoolean(), g.GetProperty("summary").GetString()));
        Assert.Equal(outcome.GetProperty("snapshotId").GetString(), registry.Find(_model, "2")!.Manifest.Lineage!.DatasetSnapshot);
        var rollout = await Http.GetFromJsonAsync<JsonElement>($"/api/rollouts/{status.GetProperty("rollout").GetString()}");
        Assert.Equal((1, "2"), (rollout.GetProperty("targets").GetInt32(), rollout.GetProperty("plan").GetProperty("version").GetString()));
        var offer = await device.NextAsync();
        Assert.Equal(DeviceTopics.ModelOffer(device.Id), offer.Topic);

        // The run is a trace of its own with its steps as events; the offer is traced too, and carries its span's context to the device.
        await Eventually.TrueAsync(() => Task.FromResult(Spans(spans).Any(s => s.DisplayName == $"training run {_model}")), $"the run made no span; there are {string.Join(", ", Spans(spans).Select(static s => s.DisplayName).Distinct())}", seconds: 15);
        var run = Spans(spans).Single(s => s.DisplayName == $"training run {_model}");
        Assert.Equal(("registered", "2"), (run.GetTagItem("iotai.training.state"), run.GetTagItem("iotai.model.version")));
        Assert.NotEmpty(run.Events);
        var traceParent = offer.UserProperties.Single(static p => p.Name == UserProperties.TraceParent).ReadValueAsString();
        await Eventually.TrueAsync(() => Task.FromResult(Spans(spans).Any(s => s.DisplayName == $"offer {_model} 2" && s.Id == traceParent)),
            "the offer's span is not the one its message carries", seconds: 15);
    }

    private static List<Activity> Spans(LockedCollection<Activity> spans) => spans.Snapshot();

    [Fact]
    public async Task A_candidate_that_does_not_beat_the_active_version_is_refused_and_nothing_is_registered_or_rolled_out()
    {
        var registry = TrainingRuns.CopySensorModel(silo.Host.Services, _model);
        // Readings like those v1 learned from: nothing to win, so the candidate cannot beat it by the margin.
        TrainingRuns.KeepReadings(silo.Host.Services, _model, 400, drift: 0, seed: 29);
        await using var device = await TestDevice.ConnectAsync(silo.Host.MqttPort);

        var (runId, status) = await TrainingRuns.RunToVerdictAsync(Http, new { model = _model, minImprovement = 0.05 });

        Assert.Equal("refused", status.GetProperty("state").GetString());
        Assert.StartsWith("refused: on 200 samples of recent traffic", status.GetProperty("progress").GetString(), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Null, status.GetProperty("rollout").ValueKind);
        Assert.Equal(["1"], registry.Versions(_model).Select(static v => v.Version));
        Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync($"/api/rollouts/retrain-{runId}")).StatusCode);
        var listed = await Http.GetFromJsonAsync<JsonElement[]>($"/api/training?model={_model}");
        Assert.Equal((runId, "refused"), (listed![0].GetProperty("runId").GetString(), listed[0].GetProperty("state").GetString()));
    }

    [Fact]
    public async Task A_newer_version_supersedes_one_still_being_rolled_out_and_the_older_rollout_stands_aside()
    {
        var registry = TrainingRuns.CopySensorModel(silo.Host.Services, _model);
        TrainingRuns.KeepReadings(silo.Host.Services, _model, 600, drift: 12, seed: 33);
        // A device the cloud serves that sends nothing: the first rollout waits for labelled uplinks that never come.
        await using var device = await TestDevice.ConnectAsync(silo.Host.MqttPort);
        await device.PublishAsync(DeviceTopics.Reported(device.Id), System.Text.Encoding.UTF8.GetBytes("""{"ota":"none"}"""));
        await Http.PutAsJsonAsync($"/api/devices/{device.Id}/tags", new Dictionary<string, string> { ["fleet"] = _model });
        var training = silo.Host.Services.GetRequiredService<Gateway.Learning.TrainingService>();
        var tags = new Dictionary<string, string> { ["fleet"] = _model };

        var (_, first) = await TrainingRuns.RunToVerdictAsync(Http, new { model = _model, rolloutTags = tags });
        Assert.True(await training.RollingOutAsync(_model), "the first version is not being rolled out");
        TrainingRuns.KeepReadings(silo.Host.Services, _model, 100, drift: 12, seed: 34);
        var (_, second) = await TrainingRuns.RunToVerdictAsync(Http, new { model = _model, rolloutTags = tags });

        Assert.Equal(("2", "3"), (first.GetProperty("outcome").GetProperty("registeredVersion").GetString(), second.GetProperty("outcome").GetProperty("registeredVersion").GetString()));
        var superseded = await Http.GetFromJsonAsync<JsonElement>($"/api/rollouts/{first.GetProperty("rollout").GetString()}");
        Assert.Equal("superseded by v3", superseded.GetProperty("reason").GetString()!.Replace("aborted: ", "", StringComparison.Ordinal));
        Assert.Contains(superseded.GetProperty("phase").GetString(), new[] { "RollingBack", "Aborted" });
        Assert.Equal(["1", "2", "3"], registry.Versions(_model).Select(static v => v.Version));
    }

    [Theory]
    [InlineData("holdoutFraction", 1.0, "holdoutFraction is a share between 0 and 1")]
    [InlineData("minEvaluationSamples", -1, "minEvaluationSamples is 0 or more")]
    [InlineData("regressionMargin", 2.0, "regressionMargin is between 0 and 1")]
    [InlineData("replayRatio", -0.5, "replayRatio is between 0 and 100")]
    public async Task A_gate_setting_out_of_range_is_refused_before_anything_runs(string setting, double value, string error)
    {
        var response = await Http.PostAsJsonAsync("/api/training", new Dictionary<string, object> { ["model"] = "sensor-anomaly", [setting] = value });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.StartsWith(error, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_run_for_a_model_without_an_active_version_is_refused()
    {
        var response = await Http.PostAsJsonAsync("/api/training", new { model = "no-such-model" });

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync("/api/training/no-such-run")).StatusCode);
    }
}
