using System.Buffers;
using System.Net;
using System.Net.Sockets;
using IotAi.Protocol;
using MQTTnet;
using MQTTnet.Packets;
using MQTTnet.Protocol;
using MQTTnet.Server;

namespace IotAi.Edge.Tests;

/// <summary>A real MQTTnet broker on a free loopback port that records every publish and can be restarted on that port.</summary>
public sealed class TestBroker : IAsyncDisposable
{
    private readonly Lock _lock = new();
    private readonly List<RecordedPublish> _publishes = [];
    private readonly List<(Func<RecordedPublish, bool> Match, TaskCompletionSource<RecordedPublish> Signal)> _waiters = [];
    private MqttServer? _server;
    private volatile TaskCompletionSource? _hold;

    private TestBroker(int port) => Port = port;

    public int Port { get; }

    /// <summary>
    /// Decides, for every publish a client makes, whether the broker answers it Quota exceeded, as a busy gateway does;
    /// such a publish is counted in <see cref="Busy"/>, not recorded.
    /// </summary>
    public Func<RecordedPublish, bool>? RefuseAsBusy { get; set; }

    /// <summary>Publishes answered Quota exceeded so far.</summary>
    public int Busy => Volatile.Read(ref _busy);

    private int _busy;

    /// <summary>Called, off the broker's receive path, for every publish a client makes: the test's stand-in for the gateway.</summary>
    public Func<RecordedPublish, Task>? Responder { get; set; }

    private const string InjectedSender = "test-cloud";

    public static async Task<TestBroker> StartAsync()
    {
        var broker = new TestBroker(FreePort());
        await broker.RestartAsync();
        return broker;
    }

    /// <summary>Starts a fresh server on the same port, as a broker that comes back after a crash would.</summary>
    public async Task RestartAsync()
    {
        var options = new MqttServerOptionsBuilder()
            .WithDefaultEndpoint()
            .WithDefaultEndpointBoundIPAddress(IPAddress.Loopback)
            .WithDefaultEndpointBoundIPV6Address(IPAddress.None)
            .WithDefaultEndpointPort(Port)
            .WithDefaultEndpointReuseAddress()
            // Sessions outlive their connections, as on the gateway: what comes for an absent device waits for it.
            .WithPersistentSessions()
            .Build();
        _server = new MqttServerFactory().CreateMqttServer(options);
        _server.InterceptingPublishAsync += e =>
        {
            var publish = new RecordedPublish(e.ClientId, e.ApplicationMessage);
            if (e.ClientId != InjectedSender && RefuseAsBusy is { } busy && busy(publish))
            {
                Interlocked.Increment(ref _busy);
                e.ProcessPublish = false;
                e.Response.ReasonCode = MqttPubAckReasonCode.QuotaExceeded;
                return Task.CompletedTask;
            }

            Record(publish);
            if (Responder is { } respond && e.ClientId != InjectedSender)
            {
                _ = Task.Run(() => respond(publish));
            }

            // A held publish is recorded but not acknowledged: the client must treat it as unsent.
            return _hold is { } hold && e.ClientId != InjectedSender ? hold.Task : Task.CompletedTask;
        };
        await _server.StartAsync();
    }

    public async Task StopAsync()
    {
        if (_server is { } server)
        {
            _server = null;
            await server.StopAsync();
            server.Dispose();
        }
    }

    /// <summary>From now on publishes are recorded but their PUBACKs wait, as from a broker that has stalled.</summary>
    public void HoldAcknowledgements() => _hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public void ReleaseAcknowledgements()
    {
        _hold?.TrySetResult();
        _hold = null;
    }

    /// <summary>Returns the first publish, past or future, that matches, or fails after <paramref name="timeout"/>.</summary>
    public Task<RecordedPublish> WaitForAsync(Func<RecordedPublish, bool> match, TimeSpan? timeout = null)
    {
        TaskCompletionSource<RecordedPublish> signal = new(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            var existing = _publishes.FirstOrDefault(match);
            if (existing is not null)
            {
                return Task.FromResult(existing);
            }

            _waiters.Add((match, signal));
        }

        return signal.Task.WaitAsync(timeout ?? TimeSpan.FromSeconds(20));
    }

    /// <summary>Everything <paramref name="clientId"/> has published so far, in arrival order.</summary>
    public IReadOnlyList<RecordedPublish> PublishedBy(string clientId)
    {
        lock (_lock)
        {
            return [.. _publishes.Where(p => p.ClientId == clientId)];
        }
    }

    /// <summary>The samples (telemetry and images) <paramref name="clientId"/> has published, leaving out twin and model reports.</summary>
    public IReadOnlyList<RecordedPublish> UplinksBy(string clientId) =>
        [.. PublishedBy(clientId).Where(static p => p.Topic.EndsWith("/" + DeviceTopics.TelemetrySuffix, StringComparison.Ordinal)
            || p.Topic.Contains("/" + DeviceTopics.ImageSuffix, StringComparison.Ordinal))];

    /// <summary>Publishes as the cloud would, to a device's downlink topic, with any <paramref name="userProperties"/>.</summary>
    public Task InjectAsync(string topic, byte[] payload, IReadOnlyDictionary<string, string>? userProperties = null)
    {
        var builder = new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce);
        foreach (var (name, value) in userProperties ?? new Dictionary<string, string>())
        {
            builder.WithUserProperty(name, System.Text.Encoding.UTF8.GetBytes(value));
        }

        var message = builder.Build();
        var server = _server ?? throw new InvalidOperationException("The broker is stopped.");
        return server.InjectApplicationMessage(new InjectedMqttApplicationMessage(message) { SenderClientId = InjectedSender });
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    private void Record(RecordedPublish publish)
    {
        lock (_lock)
        {
            _publishes.Add(publish);
            foreach (var waiter in _waiters.Where(w => w.Match(publish)).ToList())
            {
                _waiters.Remove(waiter);
                waiter.Signal.TrySetResult(publish);
            }
        }
    }

    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>One publish the broker saw, copied out of MQTTnet's pooled buffers.</summary>
public sealed record RecordedPublish(
    string ClientId,
    string Topic,
    byte[] Payload,
    string? ContentType,
    MqttQualityOfServiceLevel QualityOfService,
    IReadOnlyDictionary<string, string> UserProperties)
{
    public RecordedPublish(string clientId, MqttApplicationMessage message)
        : this(
            clientId,
            message.Topic,
            message.Payload.ToArray(),
            message.ContentType,
            message.QualityOfServiceLevel,
            (message.UserProperties ?? []).ToDictionary(p => p.Name, p => p.ReadValueAsString()))
    {
    }
}
