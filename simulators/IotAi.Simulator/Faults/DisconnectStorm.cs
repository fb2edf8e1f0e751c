namespace IotAi.Simulator.Faults;

/// <summary>
/// At <see cref="At"/> after the devices start sending, <see cref="Fraction"/> of them lose their connection at
/// once, as when a cell tower or a NAT gateway drops its flows. They reconnect with backoff and send again
/// whatever was not answered.
/// </summary>
public sealed record DisconnectStorm(TimeSpan At, double Fraction)
{
    /// <summary>Reads <c>SHARE@AT</c>: <c>0.2@30s</c> drops a fifth of the devices 30 s in.</summary>
    public static DisconnectStorm Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Split('@');
        if (parts.Length != 2)
        {
            throw new FormatException($"'{text}' is not a disconnect storm: write SHARE@AT, for example 0.2@30s (a fifth of the devices, 30 s in).");
        }

        return new DisconnectStorm(DurationText.Parse(parts[1], "a storm's time"), FaultShare.Parse(parts[0], "a storm"));
    }

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(At, TimeSpan.Zero);
        FaultShare.Validate(Fraction, nameof(Fraction));
    }
}
