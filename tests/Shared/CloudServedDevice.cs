using System.Buffers;
using System.Collections.Concurrent;
using System.Text;
using IotAi.Protocol;
using IotAi.Tests.Shared;

namespace IotAi.Tests.Shared;

/// <summary>
/// A device as any third-party client plays it: it says it runs no model, then sends a reading every 20 ms, with its
/// truth if told to, and notes which version answered each.
/// </summary>
internal sealed class CloudServedDevice : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private TestDevice _device = null!;
    private Task _sending = Task.CompletedTask;

    public string Id => _device.Id;

    /// <summary>The version of each answer, oldest first.</summary>
    public ConcurrentQueue<string> Answered { get; } = new();

    public static async Task<CloudServedDevice> StartAsync(GatewayHost silo, string id, int seed, bool truth)
    {
        var device = new CloudServedDevice { _device = await TestDevice.ConnectAsync(silo.MqttPort, id) };
        await device._device.PublishAsync(DeviceTopics.Reported(id), Encoding.UTF8.GetBytes($$"""{"{{ReportedProperties.Ota}}":"{{ReportedProperties.NoModelUpdates}}"}"""));
        device._sending = device.SendAsync(seed, truth);
        return device;
    }

    private async Task SendAsync(int seed, bool truth)
    {
        using var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(20));
        using var readings = LabelledReadings.Of(int.MaxValue, drift: 0, seed, DateTimeOffset.UtcNow).GetEnumerator();
        var seq = 0L;
        try
        {
            while (await tick.WaitForNextTickAsync(_stop.Token) && readings.MoveNext())
            {
                await _device.PublishAsync(DeviceTopics.Telemetry(Id), LabelledReadings.Payload(readings.Current, ++seq, truth));
                MQTTnet.MqttApplicationMessage message;
                do
                {
                    // Other downlinks (the model key set, twin pushes) may come between.
                    message = await _device.NextAsync();
                }
                while (message.Topic != DeviceTopics.Result(Id));

                Answered.Enqueue(ReadVersion(message));
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
    }

    private static string ReadVersion(MQTTnet.MqttApplicationMessage message) =>
        System.Text.Json.JsonSerializer.Deserialize(message.Payload.ToArray(), ProtocolJson.Default.InferenceResult)!.Version;

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _sending;
        await _device.DisposeAsync();
        _stop.Dispose();
    }
}
