using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using IotAi.Grains;
using IotAi.Models;
using IotAi.Protocol;
using IotAi.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;

namespace IotAi.Gateway.Mqtt.Tests;

/// <summary>A model offered to a device travels over MQTT in chunks any silo serves, and a transfer cut halfway resumes.</summary>
[Collection(SiloGroup.Name)]
public sealed class ModelTransferTests(SiloFixture silo)
{
    [Fact]
    public async Task A_transfer_cut_halfway_resumes_with_only_the_missing_chunks_and_verifies()
    {
        var deviceId = $"ota-{Guid.NewGuid():N}";
        var grain = silo.Host.Grains.GetGrain<IDeviceGrain>(deviceId);
        var received = new Dictionary<int, byte[]>();
        ModelOffer offer;

        await using (var device = await TestDevice.ConnectAsync(silo.Host.MqttPort, deviceId))
        {
            await grain.OfferModelAsync("shape-classifier", "1");
            offer = Read<ModelOffer>(await device.NextAsync(), DeviceTopics.ModelOffer(deviceId), ProtocolJson.Default.ModelOffer);
            Assert.True(offer.Chunks > 4, $"the model travels in only {offer.Chunks} chunks");

            // The signature is checked before a single byte of the model is fetched.
            var keys = silo.Host.Services.GetRequiredService<ModelKeyring>();
            var manifestBytes = Convert.FromBase64String(offer.Manifest);
            keys.Trusted.Verify(manifestBytes, new ModelSignature(offer.KeyId, offer.Algorithm, offer.Signature));
            Assert.Equal(offer.Sha256, ModelPackage.ReadManifest(manifestBytes).Sha256);

            var firstHalf = Enumerable.Range(0, offer.Chunks / 2).ToArray();
            await FetchAsync(device, offer, firstHalf, received);
        }

        // Back after the break, once the silo has seen it go: the offer comes again, and the device asks only for what it lacks.
        await Eventually.TrueAsync(async () => !(await grain.GetTwinAsync()).Connected, "the silo did not see the device go", seconds: 15);
        await using (var device = await TestDevice.ConnectAsync(silo.Host.MqttPort, deviceId))
        {
            var again = Read<ModelOffer>(await device.NextAsync(), DeviceTopics.ModelOffer(deviceId), ProtocolJson.Default.ModelOffer);
            Assert.Equal(offer.Sha256, again.Sha256);
            var missing = Enumerable.Range(0, offer.Chunks).Where(i => !received.ContainsKey(i)).ToArray();
            await FetchAsync(device, offer, missing, received);

            var model = received.OrderBy(c => c.Key).SelectMany(c => c.Value).ToArray();
            Assert.Equal(offer.Size, model.Length);
            Assert.Equal(offer.Sha256, Convert.ToHexStringLower(SHA256.HashData(model)));

            var status = JsonSerializer.SerializeToUtf8Bytes(new ModelStatusReport("shape-classifier", "1", ModelUpdateStates.Active), ProtocolJson.Default.ModelStatusReport);
            Assert.True((await device.PublishAsync(DeviceTopics.ModelStatus(deviceId), status)).IsSuccess);
        }

        var twin = await grain.GetTwinAsync();
        Assert.Equal(("1", ModelUpdateStates.Active), (twin.ModelUpdates["shape-classifier"].Version, twin.ModelUpdates["shape-classifier"].State));
        Assert.Empty(twin.OfferedModels);
    }

    [Fact]
    public async Task A_fetch_for_an_unknown_blob_or_index_is_refused_with_a_reason()
    {
        await using var device = await TestDevice.ConnectAsync(silo.Host.MqttPort);

        var unknown = await device.PublishAsync(DeviceTopics.ModelFetch(device.Id),
            JsonSerializer.SerializeToUtf8Bytes(new ModelFetch(new string('a', 64), 16384, [0]), ProtocolJson.Default.ModelFetch));
        var error = await device.NextErrorAsync();

        Assert.Equal(MQTTnet.MqttClientPublishReasonCode.PayloadFormatInvalid, unknown.ReasonCode);
        Assert.Contains("no model blob", error.Message, StringComparison.Ordinal);
    }

    private static async Task FetchAsync(TestDevice device, ModelOffer offer, int[] indexes, Dictionary<int, byte[]> received)
    {
        var request = JsonSerializer.SerializeToUtf8Bytes(new ModelFetch(offer.Sha256, offer.ChunkSize, indexes), ProtocolJson.Default.ModelFetch);
        Assert.True((await device.PublishAsync(DeviceTopics.ModelFetch(device.Id), request)).IsSuccess);
        for (var got = 0; got < indexes.Length;)
        {
            var chunk = await device.NextAsync();
            if (chunk.Topic == DeviceTopics.ModelOffer(device.Id))
            {
                // Offers are pushed at connect and again at subscribe; a device takes a repeat in its stride.
                continue;
            }

            got++;
            var index = int.Parse(chunk.Topic.Split('/')[^1], System.Globalization.CultureInfo.InvariantCulture);
            Assert.StartsWith($"devices/{device.Id}/down/model/chunk/{offer.Sha256}/", chunk.Topic, StringComparison.Ordinal);
            Assert.True(received.TryAdd(index, chunk.Payload.ToArray()), $"chunk {index} came twice");
        }
    }

    private static T Read<T>(MQTTnet.MqttApplicationMessage message, string topic, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
    {
        Assert.Equal(topic, message.Topic);
        return JsonSerializer.Deserialize(Encoding.UTF8.GetString(message.Payload.ToArray()), type)!;
    }
}
