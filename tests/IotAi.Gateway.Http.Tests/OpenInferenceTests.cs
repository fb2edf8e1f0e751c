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
        await ImportAsync(name, $"/api/models/onnx?name={name}&version=1&kind=image&labels=bright,dark&image=2x2:rgb&layout=nhwc&dtype=uint8", onnx);
        var metadata = await Http.GetFromJsonAsync<JsonElement>($"/v2/models/{name}");
        Assert.Equal("UINT8", metadata.GetProperty("inputs")[0].GetProperty("datatype").GetString());

        var answered = await InferAsync(name, "UINT8", "[10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120]");
        var asFloats = await InferAsync(name, "FP32", "[10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120]");
        var tooBright = await InferAsync(name, "UINT8", "[300, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120]");

        Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
        var bright = (await answered.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("outputs")[0].GetProperty("data")[0].GetSingle();
        Assert.Equal(1 / (1 + MathF.Exp(-7.8f)), bright, 4);
        Assert.Equal(HttpStatusCode.BadRequest, asFloats.StatusCode);
        Assert.Contains("'pixels' is UINT8, not FP32", await asFloats.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, tooBright.StatusCode);
        Assert.Contains("'pixels' is UINT8: 300 is not one of its values", await tooBright.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Any_onnx_model_is_served_every_input_and_output_by_name_with_its_own_datatype()
    {
        var name = $"any-{Guid.NewGuid():N}"[..12];
        await ImportAsync(name, $"/api/models/onnx?name={name}&version=1&kind=tensor", OnnxGraph.EveryDatatype().ToBytes());
        var metadata = await Http.GetFromJsonAsync<JsonElement>($"/v2/models/{name}");

        var response = await Http.PostAsync($"/v2/models/{name}/infer", new StringContent("""
            {"id":"every","inputs":[
              {"name":"fp16","datatype":"FP16","shape":[2],"data":[1.5,-2]},
              {"name":"int32","datatype":"INT32","shape":[2],"data":[-7,2147483647]},
              {"name":"int8","datatype":"INT8","shape":[2],"data":[-128,127]},
              {"name":"bool","datatype":"BOOL","shape":[2],"data":[true,false]},
              {"name":"int64","datatype":"INT64","shape":[],"data":[-9007199254740993]},
              {"name":"uint8","datatype":"UINT8","shape":[2],"data":[0,255]},
              {"name":"fp64","datatype":"FP64","shape":[2],"data":[0.1,-0.25]}]}
            """, System.Text.Encoding.UTF8, "application/json"));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(["FP16", "INT32", "INT8", "BOOL", "INT64", "UINT8", "FP64"], metadata.GetProperty("inputs").EnumerateArray().Select(static i => i.GetProperty("datatype").GetString()));
        Assert.Equal(8, metadata.GetProperty("outputs").GetArrayLength());
        Assert.Equal("tensor", metadata.GetProperty("parameters").GetProperty("kind").GetString());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var outputs = body.GetProperty("outputs").EnumerateArray().ToDictionary(static o => o.GetProperty("name").GetString()!, static o => o.GetProperty("data").GetRawText());
        Assert.Equal(
            ("[1.5,-2]", "[-7,2147483647]", "[-128,127]", "[true,false]", "[-9007199254740993]", "[0,255]", "[0.1,-0.25]", "[false,true]"),
            (outputs["fp16_out"], outputs["int32_out"], outputs["int8_out"], outputs["bool_out"], outputs["int64_out"], outputs["uint8_out"], outputs["fp64_out"], outputs["not_bool"]));
    }

    [Fact]
    public async Task A_stateful_model_is_called_statelessly_over_oip_and_lists_its_state_pairs()
    {
        var name = $"state-{Guid.NewGuid():N}"[..14];
        await ImportAsync(name, $"/api/models/onnx?name={name}&version=1&kind=tensor&state=h%3Dh_next&stateIdleSeconds=30", OnnxGraph.Streaming().ToBytes());
        var metadata = await Http.GetFromJsonAsync<JsonElement>($"/v2/models/{name}");
        const string Call = """{"name":"samples","datatype":"FP32","shape":[1,2],"data":[1,2]},{"name":"rate","datatype":"INT64","shape":[],"data":3}""";

        var fresh = await Http.PostAsync($"/v2/models/{name}/infer", new StringContent($$"""{"inputs":[{{Call}}]}""", System.Text.Encoding.UTF8, "application/json"));
        var carried = await Http.PostAsync($"/v2/models/{name}/infer", new StringContent(
            $$"""{"inputs":[{{Call}},{"name":"h","datatype":"FP32","shape":[1,2],"data":[3,3]}],"outputs":[{"name":"score"}]}""", System.Text.Encoding.UTF8, "application/json"));

        var pair = metadata.GetProperty("parameters").GetProperty("sequence_state")[0];
        Assert.Equal(("h", "h_next", 30), (pair.GetProperty("input").GetString(), pair.GetProperty("output").GetString(), metadata.GetProperty("parameters").GetProperty("sequence_idle_seconds").GetInt32()));
        var outputs = (await fresh.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("outputs").EnumerateArray().ToDictionary(static o => o.GetProperty("name").GetString()!, static o => o.GetProperty("data").GetRawText());
        Assert.Equal(("[9,9]", "[3,3]"), (outputs["score"], outputs["h_next"]));
        Assert.Equal("[18,18]", (await carried.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("outputs")[0].GetProperty("data").GetRawText());
    }

    /// <summary>Uploads an ONNX model through the model API and waits until the silo serves it.</summary>
    private async Task ImportAsync(string name, string upload, byte[] onnx)
    {
        var imported = await Http.PostAsync(upload, new ByteArrayContent(onnx));
        Assert.Equal(HttpStatusCode.Created, imported.StatusCode);
        await Eventually.TrueAsync(async () => (await Http.GetAsync($"/v2/models/{name}/ready")).IsSuccessStatusCode, "the model did not become ready", seconds: 30);
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
    [InlineData("""{"inputs":[{"name":"Wrong","shape":[1,3],"datatype":"FP32","data":[1,2,3]}]}""", "has no input 'Wrong' (its inputs are Features)")]
    [InlineData("""{"inputs":[{"name":"Features","shape":[1,3],"datatype":"FP32","data":[1,2]}]}""", "'Features': 'data' holds 2 values, the shape [1,3] needs 3")]
    [InlineData("""{"inputs":[{"name":"Features","shape":[1,4],"datatype":"FP32","data":[1,2,3,4]}]}""", "'Features' has the shape [1,4], but model sensor-anomaly takes FP32[-1,3]")]
    [InlineData("""{"inputs":[{"name":"Features","shape":[1,3],"datatype":"FP32","data":[1,"two",3]}]}""", "'Features' is FP32: \"two\" is not one of its values (a number)")]
    [InlineData("""{"inputs":[{"name":"Features","shape":[1,3],"datatype":"FP32","data":[1,2,3]}],"outputs":[{"name":"logits"}]}""", "no output 'logits'")]
    [InlineData("""{"inputs":[]}""", "'inputs' must be a non-empty array")]
    [InlineData("""{"inputs":[{"name":"Features","shape":[1,3],"datatype":"FP64","data":[1,2,3]}]}""", "'Features' is FP32, not FP64")]
    [InlineData("""{"inputs":[{"name":"Features","shape":[1,3],"datatype":"FLOAT","data":[1,2,3]}]}""", "'Features': 'datatype' must be one of")]
    [InlineData("""{"inputs":[{"name":"Features","shape":[1,3],"datatype":"FP32","data":[1,2,3]}""", "the request is not JSON")]
    public async Task A_bad_request_gets_400_and_says_why(string json, string expected)
    {
        using var content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        var response = await Http.PostAsync("/v2/models/sensor-anomaly/infer", content);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(expected, body.GetProperty("error").GetString(), StringComparison.Ordinal);
    }
}
