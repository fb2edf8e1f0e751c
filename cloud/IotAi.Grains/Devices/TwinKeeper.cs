using System.Text.Json;
using IotAi.Protocol;

namespace IotAi.Grains.Devices;

/// <summary>
/// The twin itself: what the device reports and operators desire, its tags and counters, its entry in the device
/// directory, and which sequence numbers it has already sent, so a redelivered uplink is answered once.
/// </summary>
internal sealed class TwinKeeper(DeviceActivation device, FleetCount fleet, DeviceTelemetry telemetry)
{
    private DeviceState State => device.State;

    /// <summary>Whether <paramref name="seq"/> was handled before; a repeat is counted as a duplicate.</summary>
    public bool IsRepeat(long seq)
    {
        if (State.Sequence.IsNew(seq))
        {
            return false;
        }

        State.Counters.Duplicates++;
        return true;
    }

    /// <summary>Records <paramref name="seq"/> as handled, so it is a repeat from now on.</summary>
    public void Handled(long seq)
    {
        var window = State.Sequence;
        window.Accept(seq);
        State.Sequence = window;
    }

    /// <summary>Counts an accepted uplink of <paramref name="kind"/>.</summary>
    public void Count(PayloadKind kind)
    {
        if (kind == PayloadKind.Image)
        {
            State.Counters.Images++;
        }
        else if (kind == PayloadKind.Tensor)
        {
            State.Counters.Tensors++;
        }
        else
        {
            State.Counters.Telemetry++;
        }
    }

    public UplinkReply MergeReported(byte[] payload, string topic)
    {
        var (properties, error) = ReportedProperties.Read(payload);
        if (properties is null)
        {
            return device.Invalid(topic, null, error!);
        }

        if (State.Reported.Keys.Union(properties.Keys).Count() > ReportedProperties.MaxProperties)
        {
            return device.Invalid(topic, null, $"a twin holds at most {ReportedProperties.MaxProperties} reported properties");
        }

        foreach (var (name, value) in properties)
        {
            State.Reported[name] = value;
        }

        telemetry.EdgeHealth(properties);
        if (properties.ContainsKey(ReportedProperties.Models))
        {
            fleet.Recount();
        }

        return new UplinkReply(UplinkOutcome.Accepted, null);
    }

    /// <summary>Merges <paramref name="desired"/> into the desired properties, as a new version of them.</summary>
    public void MergeDesired(IReadOnlyDictionary<string, string> desired)
    {
        foreach (var (key, value) in desired)
        {
            State.Desired[key] = value;
        }

        State.DesiredVersion++;
    }

    /// <summary>Sends the whole desired set to the device, once operators have set any.</summary>
    public Task PushDesiredAsync() => State.DesiredVersion > 0
        ? device.PushAsync(new DownlinkMessage(
            DownlinkKind.Desired,
            JsonSerializer.SerializeToUtf8Bytes(new DesiredProperties(State.DesiredVersion, State.Desired), ProtocolJson.Wire.DesiredProperties)))
        : Task.CompletedTask;

    /// <summary>Replaces the tags; the directory hears of them at the next <see cref="RegisterOnceAsync"/>.</summary>
    public void ReplaceTags(IReadOnlyDictionary<string, string> tags)
    {
        State.Tags = new Dictionary<string, string>(tags);
        State.Registered = false;
    }

    /// <summary>Tells the device directory about this device once, and again after its tags change.</summary>
    public async Task RegisterOnceAsync()
    {
        if (!State.Registered)
        {
            await device.Grains.GetGrain<IDeviceDirectoryGrain>(0).RegisterAsync(device.DeviceId, State.Tags);
            State.Registered = true;
            await device.WriteAsync();
        }
    }

    public DeviceTwin Snapshot() => new(
        device.DeviceId,
        State.FirstSeen,
        State.LastSeen,
        State.Counters.Clone(),
        State.Sequence.Highest,
        new Dictionary<string, string>(State.Reported),
        new Dictionary<string, string>(State.Desired),
        State.DesiredVersion,
        new Dictionary<string, string>(State.ModelVersions),
        State.Downlink is not null,
        new Dictionary<string, string>(State.OfferedModels),
        new Dictionary<string, ModelUpdate>(State.ModelUpdates),
        new Dictionary<string, string>(State.Tags),
        State.Quality.ToDictionary(static q => q.Key, static q => (IReadOnlyList<VersionQuality>)[.. q.Value]));
}
