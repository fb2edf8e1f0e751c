using IotAi.Edge.Models;
using IotAi.Models;
using IotAi.Protocol;
using IotAi.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;

namespace IotAi.Edge.Tests;

/// <summary>
/// The agent rolls to the model keys the cloud pushes on <c>down/keys</c>: a set signed by a key it trusts and newer
/// than its own is adopted at once and kept across restarts; anything else is refused and the old trust stays.
/// </summary>
public sealed class KeyRotationTests : IDisposable
{
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("iotai-edge-keys-");
    private readonly ModelSigner _current = ModelSigner.Generate();
    private readonly ModelSigner _next = ModelSigner.Generate();
    private readonly ModelSigner _other = ModelSigner.Generate();

    [Fact]
    public async Task A_newer_set_signed_by_a_trusted_key_is_adopted_at_once_and_kept_across_a_restart()
    {
        await using var broker = await TestBroker.StartAsync();
        var deviceId = AgentHost.NewDeviceId("keys-roll");
        var settings = Settings();
        var (package, _) = await ShippedSensorModel.SignAsync(_next, _data.CreateSubdirectory("next").FullName);
        await using (var agent = await AgentHost.StartAsync(broker.Port, deviceId, settings))
        {
            var trusted = agent.Services.GetRequiredService<TrustedKeys>();
            await broker.WaitForAsync(p => KeySets.ReportsVersion(p, deviceId, 0));
            Assert.Throws<ModelVerificationException>(() => package.Verify(trusted));

            await broker.InjectAsync(DeviceTopics.KeySet(deviceId), KeySets.Json(KeySets.Signed(_current, 1, _current, _next)));

            await broker.WaitForAsync(p => KeySets.ReportsVersion(p, deviceId, 1));
            package.Verify(trusted);
        }

        // No downlink this time: the set comes from the disk, checked again against the configured key.
        await using var restarted = AgentHost.Create(broker.Port, deviceId, settings);
        var keys = restarted.Services.GetRequiredService<TrustedKeyStore>();
        Assert.Equal(1, keys.Version);
        package.Verify(restarted.Services.GetRequiredService<TrustedKeys>());
        // Counted before the start: the restarted agent may connect and report before StartAsync returns.
        var before = Reports(broker, deviceId);
        await restarted.StartAsync();
        await Eventually.TrueAsync(() => Task.FromResult(Reports(broker, deviceId) > before), "the restarted agent did not report the set it holds", seconds: 30);
    }

    [Theory]
    [InlineData("untrusted", "not trusted here")]
    [InlineData("tampered", "does not match the key set")]
    [InlineData("unsigned", "the key set is not signed")]
    [InlineData("garbled", "not valid base64")]
    [InlineData("older", "older than version 2")]
    public async Task A_set_that_fails_its_checks_is_refused_and_the_old_trust_stays(string flaw, string reason)
    {
        await using var broker = await TestBroker.StartAsync();
        var deviceId = AgentHost.NewDeviceId("keys-bad");
        var logs = new RecordingLoggerProvider();
        await using var agent = AgentHost.Create(broker.Port, deviceId, Settings(), logs);
        await agent.StartAsync();
        await broker.WaitForAsync(p => p.ClientId == deviceId);
        await broker.InjectAsync(DeviceTopics.KeySet(deviceId), KeySets.Json(KeySets.Signed(_current, 2, _current, _next)));
        await broker.WaitForAsync(p => KeySets.ReportsVersion(p, deviceId, 2));

        // Every flawed set would, if taken, trust the other key in place of the next one.
        var good = KeySets.Signed(_current, 3, _current, _other);
        var bad = flaw switch
        {
            "untrusted" => KeySets.Signed(_other, 3, _current, _other),
            "tampered" => good with { KeySet = KeySets.Signed(_current, 9, _current, _other).KeySet },
            "unsigned" => good with { Signature = "" },
            "garbled" => good with { KeySet = "not base64 at all" },
            _ => KeySets.Signed(_current, 1, _current, _other),
        };
        await broker.InjectAsync(DeviceTopics.KeySet(deviceId), KeySets.Json(bad));

        await logs.WaitForAsync(m => m.Contains("refused a model key set", StringComparison.Ordinal) && m.Contains(reason, StringComparison.Ordinal));
        var keys = agent.Services.GetRequiredService<TrustedKeyStore>();
        Assert.Equal(2, keys.Version);
        Assert.Equal(new[] { _current.KeyId, _next.KeyId }.Order(), keys.Trusted.KeyIds.Order());
        Assert.Single(Directory.GetFiles(Path.Combine(_data.FullName, deviceId, "keys")));
    }

    [Fact]
    public async Task A_stored_set_no_configured_key_vouches_for_is_not_trusted_on_start()
    {
        var deviceId = AgentHost.NewDeviceId("keys-disk");
        var folder = Directory.CreateDirectory(Path.Combine(_data.FullName, deviceId, "keys"));
        // As if someone wrote a set of their own into the data directory.
        File.WriteAllBytes(Path.Combine(folder.FullName, "key-set-0000000000000000001.json"), KeySets.Json(KeySets.Signed(_other, 1, _current, _other)));

        await using var host = AgentHost.Create(1, deviceId, Settings());
        var keys = host.Services.GetRequiredService<TrustedKeyStore>();

        Assert.Equal(0, keys.Version);
        Assert.Equal([_current.KeyId], keys.Trusted.KeyIds);
    }

    private static int Reports(TestBroker broker, string deviceId) => broker.PublishedBy(deviceId).Count(p => KeySets.ReportsVersion(p, deviceId, 1));

    private Dictionary<string, string?> Settings() => new()
    {
        ["TrustedKeyFiles:0"] = KeySets.WriteKey(_current, _data.FullName),
        ["DataDirectory"] = _data.FullName,
        ["Sources:0"] = "sensor",
        ["SensorInterval"] = "01:00:00",
    };

    public void Dispose()
    {
        _current.Dispose();
        _next.Dispose();
        _other.Dispose();
        _data.Delete(recursive: true);
    }
}
