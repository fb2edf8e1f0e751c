using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using IotAi.Protocol;
using IotAi.Synthetic;
using MQTTnet;
using MQTTnet.Protocol;
using SkiaSharp;

namespace IotAi.Gateway.Http.Tests;

/// <summary>Samples kept for learning, seen and labelled by an operator over HTTP.</summary>
[Collection(SiloGroup.Name)]
public sealed class SampleApiTests(SiloFixture silo)
{
    private HttpClient Http => silo.Host.Http;

    [Fact]
    public async Task An_operator_lists_unlabelled_samples_reads_one_and_labels_it()
    {
        await using var device = await TestDevice.ConnectAsync(silo.Host.MqttPort);
        await device.SendTelemetryAsync(seq: 1, temperature: 88);
        await device.NextResultAsync();
        var id = $"{device.Id}.1";

        var unlabelled = await Http.GetFromJsonAsync<JsonElement[]>("/api/samples?model=sensor-anomaly&labelled=false&limit=10000");
        var payload = await Http.GetAsync($"/api/samples/{id}/payload");
        var labelled = await Http.PostAsJsonAsync($"/api/samples/{id}/label", new { label = "anomaly" });

        Assert.Contains(unlabelled!, s => s.GetProperty("id").GetString() == id && s.GetProperty("reasons").GetString() == "Anomaly");
        Assert.Equal(ContentTypes.Json, payload.Content.Headers.ContentType?.MediaType);
        Assert.Contains("\"temperature\":88", await payload.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, labelled.StatusCode);
        var sample = await Http.GetFromJsonAsync<JsonElement>($"/api/samples/{id}");
        var label = sample.GetProperty("labels").EnumerateArray().Single();
        Assert.Equal(("anomaly", "operator"), (label.GetProperty("label").GetString(), label.GetProperty("source").GetString()));
        Assert.DoesNotContain((await Http.GetFromJsonAsync<JsonElement[]>("/api/samples?model=sensor-anomaly&labelled=false&limit=10000"))!, s => s.GetProperty("id").GetString() == id);
    }

    [Fact]
    public async Task An_image_whose_edge_answer_disagrees_is_kept_as_a_file_with_the_edge_answer_and_the_devices_truth()
    {
        await using var device = await TestDevice.ConnectAsync(silo.Host.MqttPort);
        var frame = new SyntheticCamera(seed: 44, format: SKEncodedImageFormat.Png).Next(ImageShape.Circle);
        var wrong = ImageShapes.Labels.First(static l => l != ImageShape.Circle.Label());
        var edge = JsonSerializer.Serialize(new EdgeAnswer("shape-classifier", "1", wrong, 0.55f), ProtocolJson.Wire.EdgeAnswer);
        await device.PublishRawAsync(new MqttApplicationMessageBuilder()
            .WithTopic(DeviceTopics.Image(device.Id))
            .WithPayload(frame.Encoded)
            .WithContentType(frame.ContentType)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithUserProperty(UserProperties.Seq, "5"u8.ToArray())
            .WithUserProperty(UserProperties.Edge, Encoding.UTF8.GetBytes(edge))
            .WithUserProperty(UserProperties.Label, Encoding.UTF8.GetBytes(frame.Label))
            .Build());
        var result = await device.NextResultAsync();

        var sample = await Http.GetFromJsonAsync<JsonElement>($"/api/samples/{device.Id}.5");
        var payload = await Http.GetAsync($"/api/samples/{device.Id}.5/payload");

        Assert.Equal(("shape-classifier", frame.Label), (result.Model, result.Label));
        Assert.Contains("Disagreement", sample.GetProperty("reasons").GetString(), StringComparison.Ordinal);
        Assert.Equal((wrong, 0.55f), (sample.GetProperty("edge").GetProperty("label").GetString(), sample.GetProperty("edge").GetProperty("confidence").GetSingle()));
        var label = sample.GetProperty("labels").EnumerateArray().Single();
        Assert.Equal((frame.Label, "device"), (label.GetProperty("label").GetString(), label.GetProperty("source").GetString()));
        Assert.Equal(ContentTypes.Png, payload.Content.Headers.ContentType?.MediaType);
        Assert.Equal(frame.Encoded, await payload.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Labels_the_model_does_not_have_and_samples_never_kept_are_refused()
    {
        await using var device = await TestDevice.ConnectAsync(silo.Host.MqttPort);
        await device.SendTelemetryAsync(seq: 1, temperature: 88);
        await device.NextResultAsync();

        var wrong = await Http.PostAsJsonAsync($"/api/samples/{device.Id}.1/label", new { label = "on fire" });
        var missing = await Http.PostAsJsonAsync($"/api/samples/{device.Id}.999/label", new { label = "normal" });
        var escape = await Http.GetAsync("/api/samples/..%2F..%2Fkeys/payload");

        Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
        Assert.Contains("not a label of sensor-anomaly", await wrong.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, escape.StatusCode);
    }
}
