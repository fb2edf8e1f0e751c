using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace IotAi.Gateway.Http.Tests;

/// <summary>The cloud's models over the Open Inference Protocol (v2 REST), as any OIP client or curl would call them.</summary>
[Collection(SiloGroup.Name)]
public sealed class OpenInferenceTests(SiloFixture silo)
{
    private HttpClient Http => silo.Host.Http;

    [Fact]
    public async Task The_server_says_it_is_live_ready_and_who_it_is()
    {
        Assert.Equal(HttpStatusCode.OK, (await Http.GetAsync("/v2/health/live")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Http.GetAsync("/v2/health/ready")).StatusCode);
        var server = await Http.GetFromJsonAsync<JsonElement>("/v2");
        Assert.Equal("iotai", server.GetProperty("name").GetString());
    }

    [Fact]
    public async Task A_model_that_takes_raw_pixels_is_called_with_uint8_and_refuses_anything_else()
    {
        // Twelve bytes of a 2 x 2 RGB image, interleaved: their sum / 100 against 0, as two probabilities.
        var weights = new float[12 * 2];
        for (var i = 0; i < 12; i++)
        {
            weights[i * 2] = 0.01f;
        }

        var onnx = OnnxGraph.RawPixels(weights)
            .Node("Softmax", ["logits"], ["probabilities"])
            .Output("probabilities", OnnxGraph.Float, "batch", 2)
            .ToBytes();
        var name = $"pixels-{Guid.NewGuid():N}"[..16];
        var imported = await Http.PostAsync($"/api/models/onnx?name={name}&version=1&kind=image&labels=bright,dark&image=2x2:rgb&layout=nhwc&dtype=uint8", new ByteArrayContent(onnx));
        Assert.Equal(HttpStatusCode.Created, imported.StatusCode);
        await Eventually.TrueAsync(async () => (await Http.GetAsync($"/v2/models/{name}/ready")).IsSuccessStatusCode, "the model did not become ready", seconds: 30);
        var metadata = await Http.GetFromJsonAsync<JsonElement>($"/v2/models/{name}");
        Assert.Equal("UINT8", metadata.GetProperty("inputs")[0].GetProperty("datatype").GetString());

        var answered = await InferAsync(name, "UINT8", "[10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120]");
        var asFloats = await InferAsync(name, "FP32", "[10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120]");
        var tooBright = await InferAsync(name, "UINT8", "[300, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120]");

        Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
        var bright = (await answered.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("outputs")[0].GetProperty("data")[0].GetSingle();
        Assert.Equal(1 / (1 + MathF.Exp(-7.8f)), bright, 4);
        Assert.Equal(HttpStatusCode.BadRequest, asFloats.StatusCode);
        Assert.Contains("of datatype UINT8", await asFloats.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, tooBright.StatusCode);
        Assert.Contains("whole number from 0 to 255", await tooBright.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private Task<HttpResponseMessage> InferAsync(string model, string datatype, string data) =>
        Http.PostAsync($"/v2/models/{model}/infer", new StringContent(
            $$"""{"inputs":[{"name":"pixels","datatype":"{{datatype}}","shape":[1,2,2,3],"data":{{data}}}]}""", System.Text.Encoding.UTF8, "application/json"));

    [Fact]
    public async Task Model_metadata_comes_from_the_signed_manifest()
    {
        var metadata = await Http.GetFromJsonAsync<JsonElement>("/v2/models/sensor-anomaly");

        Assert.Equal("onnxruntime_onnx", metadata.GetProperty("platform").GetString());
        Assert.Equal(["1"], metadata.GetProperty("versions").EnumerateArray().Select(v => v.GetString()));
        var input = metadata.GetProperty("inputs")[0];
        Assert.Equal(("Features", "FP32"), (input.GetProperty("name").GetString(), input.GetProperty("datatype").GetString()));
        Assert.Equal([-1L, 3L], input.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()));
        Assert.Equal(HttpStatusCode.OK, (await Http.GetAsync("/v2/models/sensor-anomaly/versions/1/ready")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync("/v2/models/sensor-anomaly/versions/7/ready")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync("/v2/models/no-such-model")).StatusCode);
    }

    [Fact]
    public async Task Names_no_model_could_have_are_simply_not_found()
    {
        Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync("/v2/models/.hidden")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync("/v2/models/sensor-anomaly/versions/.x/ready")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Http.PostAsJsonAsync("/api/rollouts", new { model = "..", version = "1" })).StatusCode);
    }

    [Fact]
    public async Task Infer_answers_a_batch_as_the_device_path_does()
    {
        await using var device = await TestDevice.ConnectAsync(silo.Host.MqttPort);
        await device.SendTelemetryAsync(seq: 1, temperature: 82);
        var overMqtt = await device.NextResultAsync();

        var response = await Http.PostAsJsonAsync("/v2/models/sensor-anomaly/versions/1/infer", new
        {
            id = "req-1",
            inputs = new[] { new { name = "Features", shape = new[] { 2, 3 }, datatype = "FP32", data = new[] { new[] { 45f, 0.3f, 10f }, new[] { 82f, 0.3f, 10f } } } },
            outputs = new[] { new { name = "Probability.output" } },
        });
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(("sensor-anomaly", "1", "req-1"), (body.GetProperty("model_name").GetString(), body.GetProperty("model_version").GetString(), body.GetProperty("id").GetString()));
        var output = body.GetProperty("outputs").EnumerateArray().Single();
        Assert.Equal([2L, 1L], output.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()));
        var probabilities = output.GetProperty("data").EnumerateArray().Select(d => d.GetSingle()).ToArray();
        Assert.True(probabilities[0] < 0.5f, $"a normal reading scored {probabilities[0]}");
        Assert.Equal(overMqtt.Scores["anomaly"], probabilities[1], 5);
    }

    [Fact]
    public async Task Without_named_outputs_every_output_comes_back_with_its_own_type()
    {
        var response = await Http.PostAsJsonAsync("/v2/models/sensor-anomaly/infer", new
        {
            inputs = new[] { new { name = "Features", shape = new[] { 1, 3 }, datatype = "FP32", data = new[] { 45f, 0.3f, 10f } } },
        });
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        var outputs = body.GetProperty("outputs").EnumerateArray().ToDictionary(o => o.GetProperty("name").GetString()!, o => o.GetProperty("datatype").GetString());
        Assert.Equal("BOOL", outputs["PredictedLabel.output"]);
        Assert.Equal("FP32", outputs["Probability.output"]);
    }

    [Theory]
    [InlineData("""{"inputs":[{"name":"Wrong","shape":[1,3],"datatype":"FP32","data":[1,2,3]}]}""", "must be 'Features'")]
    [InlineData("""{"inputs":[{"name":"Features","shape":[1,3],"datatype":"FP32","data":[1,2]}]}""", "must hold 3 numbers")]
    [InlineData("""{"inputs":[{"name":"Features","shape":[1,4],"datatype":"FP32","data":[1,2,3,4]}]}""", "3 values per sample")]
    [InlineData("""{"inputs":[{"name":"Features","shape":[1,3],"datatype":"FP32","data":[1,"two",3]}]}""", "must hold 3 numbers")]
    [InlineData("""{"inputs":[{"name":"Features","shape":[1,3],"datatype":"FP32","data":[1,2,3]}],"outputs":[{"name":"logits"}]}""", "no output 'logits'")]
    [InlineData("""{"inputs":[]}""", "exactly one input")]
    public async Task A_bad_request_gets_400_and_says_why(string json, string expected)
    {
        using var content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        var response = await Http.PostAsync("/v2/models/sensor-anomaly/infer", content);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(expected, body.GetProperty("error").GetString(), StringComparison.Ordinal);
    }
}
