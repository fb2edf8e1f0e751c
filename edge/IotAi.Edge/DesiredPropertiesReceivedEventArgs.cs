using IotAi.Protocol;

namespace IotAi.Edge;

/// <summary>Operators changed the device twin's desired properties (<c>down/twin/desired</c>).</summary>
public sealed class DesiredPropertiesReceivedEventArgs(DesiredProperties desired) : EventArgs
{
    public DesiredProperties Desired { get; } = desired;
}
