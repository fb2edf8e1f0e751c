using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using IotAi.Protocol;
using IotAi.ServiceDefaults;
using IotAi.Tests.Shared;
using MQTTnet;
using MQTTnet.Protocol;

namespace IotAi.Gateway.Mqtt.Tests;

/// <summary>
/// Tracing costs the traffic it does not trace nothing: an uplink whose trace is not recorded makes no activity at the
/// ingress, though a listener would be handed one (as OpenTelemetry's SDK makes one for every trace its sampler drops).
/// Alone in its collection, so the process-wide listener sees this test's uplinks only.
/// </summary>
[Collection(Name)]
public sealed class UntracedUplinkTests : IAsyncLifetime, IDisposable
{
    public const string Name = "untraced uplinks";

    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("iotai-untraced-");
    private readonly ConcurrentQueue<Activity> _ingress = new();
    private readonly ActivityListener _listener;
    private GatewayHost _host = null!;

    public UntracedUplinkTests()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = static s => s.Name == GatewayTelemetry.SourceName,
            // As OpenTelemetry answers: a trace the device recorded, or one asked to be kept, is recorded; any other
            // gets an activity that only carries the context.
            Sample = static (ref ActivityCreationOptions<ActivityContext> o) =>
                (o.Parent.TraceFlags & ActivityTraceFlags.Recorded) != 0 || (o.Tags?.Any(static t => t.Key == TraceSampling.PriorityTag) ?? false)
                    ? ActivitySamplingResult.AllDataAndRecorded
                    : ActivitySamplingResult.PropagationData,
            ActivityStarted = a =>
            {
                if (a.OperationName.StartsWith("ingress ", StringComparison.Ordinal))
                {
                    _ingress.Enqueue(a);
                }
            },
        };
    }

    public async Task InitializeAsync()
    {
        ActivitySource.AddActivityListener(_listener);
        _host = await GatewayHost.StartAsync(_data.FullName, new Dictionary<string, string?> { ["Telemetry:TraceSampleRatio"] = "0" });
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        _data.Delete(recursive: true);
    }

    public void Dispose() => _listener.Dispose();

    [Fact]
    public async Task Only_a_recorded_trace_makes_an_ingress_span()
    {
        await using var device = await TestDevice.ConnectAsync(_host.MqttPort);
        for (var seq = 1; seq <= 20; seq++)
        {
            Assert.True((await device.SendTelemetryAsync(seq, temperature: 45)).IsSuccess);
            Assert.Equal(seq, (await device.NextResultAsync()).Seq);
        }

        // The device traced this one and recorded it: its trace goes on through the silo.
        var traced = new MqttApplicationMessageBuilder()
            .WithTopic(DeviceTopics.Telemetry(device.Id))
            .WithPayload("""{"seq":21,"values":{"temperature":45,"vibration":0.3,"current":10}}"""u8.ToArray())
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithUserProperty(UserProperties.TraceParent, Encoding.UTF8.GetBytes("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01").AsMemory())
            .Build();
        Assert.True((await device.PublishRawAsync(traced)).IsSuccess);
        Assert.Equal(21, (await device.NextResultAsync()).Seq);

        var ingress = Assert.Single(_ingress);
        Assert.Equal(("0af7651916cd43dd8448eb211c80319c", true), (ingress.TraceId.ToHexString(), ingress.Recorded));
    }
}

[CollectionDefinition(UntracedUplinkTests.Name, DisableParallelization = true)]
public sealed class UntracedUplinkGroup;
