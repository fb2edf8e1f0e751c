using System.Net;
using System.Text;
using System.Text.Json;
using IotAi.Protocol;
using MQTTnet;
using MQTTnet.Protocol;

namespace IotAi.Gateway.Mqtt.Tests;

/// <summary>
/// Devices call a stateful model imported over the model API, through real MQTT to a whole silo: in OIP's JSON form and
/// in the binary form, each device with its own state kept by its grain.
/// </summary>
[Collection(SiloGroup.Name)]
public sealed class TensorUplinkTests(SiloFixture silo) : IAsyncLifetime
{
    private readonly string _model = $"stream-{Guid.NewGuid():N}"[..15];

    public async Task InitializeAsync()
    {
        var imported = await silo.Host.Http.PostAsync($"/api/models/onnx?name={_model}&version=1&kind=tensor&state=h%3Dh_next", new ByteArrayContent(OnnxGraph.Streaming().ToBytes()));
        Assert.Equal(HttpStatusCode.Created, imported.StatusCode);
        await Eventually.TrueAsync(async () => (await silo.Host.Http.GetAsync($"/v2/models/{_model}/ready")).IsSuccessStatusCode, "the model did not become ready", seconds: 30);
    }

    [Fact]
    public async Task Each_device_streams_through_its_own_state_in_json_and_in_binary()
    {
        await using var first = await TestDevice.ConnectAsync(silo.Host.MqttPort);
        await using var second = await TestDevice.ConnectAsync(silo.Host.MqttPort);

        var opened = await CallJsonAsync(first, [1, 2, 3]);
        var binaryAck = await first.PublishRawAsync(new MqttApplicationMessageBuilder()
            .WithTopic(DeviceTopics.Tensor(first.Id, _model))
            .WithPayload([.. BitConverter.GetBytes(4f), .. BitConverter.GetBytes(2L)])
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithUserProperty(TensorBinary.TensorProperty, Utf8("FP32[1,1] samples"))
            .WithUserProperty(TensorBinary.TensorProperty, Utf8("INT64[] rate"))
            .WithUserProperty(TensorBinary.OutputProperty, Utf8("score"))
            .WithUserProperty(UserProperties.Seq, Utf8("5"))
            .Build());
        var continued = await first.NextTensorResultAsync();
        var own = await CallJsonAsync(second, [1]);

        Assert.Equal(("12,12", true), opened);
        Assert.True(binaryAck.IsSuccess);
        Assert.Equal((5, _model), (continued.GetProperty("seq").GetInt64(), continued.GetProperty("model_name").GetString()));
        Assert.Equal(("20,20", false), Read(continued));
        Assert.Equal(("2,2", true), own);
    }

    [Fact]
    public async Task A_wrong_tensor_gets_payload_format_invalid_and_an_error_naming_it_and_the_device_carries_on()
    {
        await using var device = await TestDevice.ConnectAsync(silo.Host.MqttPort);

        var ack = await device.PublishAsync(DeviceTopics.Tensor(device.Id, _model), Encoding.UTF8.GetBytes(
            """{"inputs":[{"name":"samples","datatype":"FP32","shape":[1,1],"data":[1]},{"name":"rate","datatype":"FP32","shape":[],"data":2}]}"""));
        var error = await device.NextErrorAsync();
        var unknown = await device.PublishAsync(DeviceTopics.Tensor(device.Id, "no-such-model"), Encoding.UTF8.GetBytes("{}"));
        var noModel = await device.NextErrorAsync();

        Assert.Equal(MqttClientPublishReasonCode.PayloadFormatInvalid, ack.ReasonCode);
        Assert.Equal(ErrorCodes.PayloadInvalid, error.Code);
        Assert.StartsWith("'rate' is INT64, not FP32", error.Message, StringComparison.Ordinal);
        Assert.Equal(MqttClientPublishReasonCode.ImplementationSpecificError, unknown.ReasonCode);
        Assert.Equal(ErrorCodes.NoModel, noModel.Code);
        Assert.Equal(("1,1", true), await CallJsonAsync(device, [0.5f]));
    }

    private async Task<(string Score, bool Fresh)> CallJsonAsync(TestDevice device, float[] samples)
    {
        var ack = await device.PublishAsync(DeviceTopics.Tensor(device.Id, _model), Encoding.UTF8.GetBytes($$"""
            {"inputs":[{"name":"samples","datatype":"FP32","shape":[1,{{samples.Length}}],"data":[{{string.Join(",", samples.Select(static v => v.ToString(System.Globalization.CultureInfo.InvariantCulture)))}}]},
                       {"name":"rate","datatype":"INT64","shape":[],"data":2}],
             "outputs":[{"name":"score"}]}
            """));
        Assert.True(ack.IsSuccess, $"the call was refused: {ack.ReasonCode} {ack.ReasonString}");
        return Read(await device.NextTensorResultAsync());
    }

    private static (string Score, bool Fresh) Read(JsonElement answer) =>
        (string.Join(",", answer.GetProperty("outputs").EnumerateArray().Single().GetProperty("data").EnumerateArray().Select(static d => d.GetSingle())),
            answer.GetProperty("parameters").GetProperty("sequence_start").GetBoolean());

    private static ReadOnlyMemory<byte> Utf8(string value) => Encoding.UTF8.GetBytes(value);

    public Task DisposeAsync() => Task.CompletedTask;
}
