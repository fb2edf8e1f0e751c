using IotAi.Grains;
using IotAi.Protocol;
using IotAi.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;
using MQTTnet;
using Orleans.Storage;

namespace IotAi.Gateway.Mqtt.Tests;

/// <summary>
/// A reading the gateway cannot handle within the uplink timeout (its grain stuck on storage, as in a surge or while a
/// silo goes) is answered Quota exceeded and <c>unavailable</c>, the code a device takes as "send it again later", not a
/// final refusal that would have it drop the reading; sent again under its number once storage moves, it is answered
/// and counted once.
/// </summary>
public sealed class UnavailableAnswerTests : IAsyncLifetime
{
    private static readonly byte[] Reading = """{"values":{"temperature":45,"vibration":0.3,"current":10}}"""u8.ToArray();

    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("iotai-unavailable-");
    private readonly StallingStorage.Gate _gate = new();
    private GatewayHost _host = null!;

    public async Task InitializeAsync() => _host = await GatewayHost.StartAsync(
        _data.FullName, new Dictionary<string, string?> { ["Mqtt:UplinkTimeout"] = "00:00:01" }, services: s => StallingStorage.Decorate(s, _gate));

    public async Task DisposeAsync()
    {
        _gate.Open();
        await _host.DisposeAsync();
        _data.Delete(recursive: true);
    }

    [Fact]
    public async Task A_reading_whose_grain_cannot_answer_in_time_is_answered_as_later_and_counted_once_when_sent_again()
    {
        await using var device = await TestDevice.ConnectAsync(_host.MqttPort);
        Assert.True((await device.SendTelemetryAsync(seq: 1, temperature: 45)).IsSuccess);
        Assert.Equal(1, (await device.NextResultAsync()).Seq);

        // Numbered in the seq property, as the edge agent numbers its readings: the error names it without the payload read.
        _gate.Close();
        var stuck = await device.PublishAsync(DeviceTopics.Telemetry(device.Id), Reading, seq: 2);
        var error = await device.NextErrorAsync();

        Assert.Equal(MqttClientPublishReasonCode.QuotaExceeded, stuck.ReasonCode);
        Assert.Equal((2L, ErrorCodes.Unavailable), (error.Seq, error.Code));
        Assert.Equal(1, _gate.Stalled);

        // Storage moves again and the stuck turn finishes, its answer gone with the call the gateway gave up on. The
        // reading sent again under its number is acknowledged as the duplicate it is, and the device carries on.
        _gate.Open();
        Assert.True((await device.PublishAsync(DeviceTopics.Telemetry(device.Id), Reading, seq: 2)).IsSuccess);
        Assert.True((await device.PublishAsync(DeviceTopics.Telemetry(device.Id), Reading, seq: 3)).IsSuccess);
        Assert.Equal(3, (await device.NextResultAsync()).Seq);

        var counters = (await _host.Grains.GetGrain<IDeviceGrain>(device.Id).GetTwinAsync()).Counters;
        Assert.Equal((3L, 1L, 0L), (counters.Telemetry, counters.Duplicates, counters.Rejected));
    }

    /// <summary>The silo's grain storage, with device twin writes held while the gate is closed.</summary>
    private sealed class StallingStorage(IGrainStorage inner, StallingStorage.Gate gate) : IGrainStorage
    {
        public static void Decorate(IServiceCollection services, Gate gate)
        {
            var registered = services.Last(d => d.ServiceType == typeof(IGrainStorage) && Equals(d.ServiceKey, DeviceGrain.StorageName));
            services.AddKeyedSingleton<IGrainStorage>(DeviceGrain.StorageName, (sp, key) =>
                new StallingStorage((IGrainStorage)registered.KeyedImplementationFactory!(sp, key), gate));
        }

        public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => inner.ReadStateAsync(stateName, grainId, grainState);

        public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
        {
            if (stateName == "device")
            {
                await gate.PassAsync();
            }

            await inner.WriteStateAsync(stateName, grainId, grainState);
        }

        public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => inner.ClearStateAsync(stateName, grainId, grainState);

        public sealed class Gate
        {
            private TaskCompletionSource _open = Opened();
            private int _stalled;

            /// <summary>Writes that found the gate closed.</summary>
            public int Stalled => Volatile.Read(ref _stalled);

            public void Close() => _open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

            public void Open() => _open.TrySetResult();

            public Task PassAsync()
            {
                var open = _open.Task;
                if (!open.IsCompleted)
                {
                    Interlocked.Increment(ref _stalled);
                }

                return open;
            }

            private static TaskCompletionSource Opened()
            {
                var open = new TaskCompletionSource();
                open.SetResult();
                return open;
            }
        }
    }
}
