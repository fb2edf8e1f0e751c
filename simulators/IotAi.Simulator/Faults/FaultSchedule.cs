namespace IotAi.Simulator.Faults;

/// <summary>
/// Carries out a run's planned faults: pauses become windows on each chosen device's clock when sending starts,
/// and each storm drops its share of the devices' connections when its time comes.
/// </summary>
internal sealed class FaultSchedule(FleetFaults faults, int seed, TimeProvider time)
{
    // Salts keep each fault's choice of devices apart from the others'.
    private const int StormSalt = 1_000;
    private const int PauseSalt = 2_000;
    private const int SlowLinkSalt = 3_000;

    private readonly List<FaultEvent> _events = [];
    private readonly Lock _lock = new();

    public IReadOnlyList<FaultEvent> Events
    {
        get
        {
            lock (_lock)
            {
                return [.. _events];
            }
        }
    }

    /// <summary>The devices (by index) behind the slow link, if there is one.</summary>
    public HashSet<int> SlowDevices(int devices) =>
        faults.SlowLink is { } link ? [.. FaultShare.Pick(devices, link.Fraction, seed, SlowLinkSalt)] : [];

    /// <summary>Plans the pauses from <paramref name="sendingAt"/>, then drops each storm's devices at its time, until <paramref name="cancellationToken"/> ends the run.</summary>
    public async Task RunAsync(IReadOnlyList<SimulatedDevice> devices, DateTimeOffset sendingAt, CancellationToken cancellationToken)
    {
        for (var p = 0; p < faults.Pauses.Count; p++)
        {
            var pause = faults.Pauses[p];
            var picked = FaultShare.Pick(devices.Count, pause.Fraction, seed, PauseSalt + p);
            var window = (sendingAt + pause.At, sendingAt + pause.At + pause.For);
            foreach (var index in picked)
            {
                devices[index].PlanPauses([window]);
            }

            Record(new FaultEvent("pause", window.Item1, window.Item2, [.. picked.Select(i => devices[i].Id)]));
        }

        var storms = faults.Storms.Select(static (storm, i) => (Storm: storm, Salt: StormSalt + i)).OrderBy(static s => s.Storm.At).ToList();
        try
        {
            foreach (var (storm, salt) in storms)
            {
                var wait = sendingAt + storm.At - time.GetUtcNow();
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, time, cancellationToken);
                }

                var picked = FaultShare.Pick(devices.Count, storm.Fraction, seed, salt);
                Record(new FaultEvent("storm", time.GetUtcNow(), null, [.. picked.Select(i => devices[i].Id)]));
                foreach (var index in picked)
                {
                    devices[index].Drop();
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The run ended before the later storms.
        }
    }

    private void Record(FaultEvent fault)
    {
        lock (_lock)
        {
            _events.Add(fault);
        }
    }
}
