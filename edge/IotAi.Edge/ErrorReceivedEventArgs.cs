using IotAi.Protocol;

namespace IotAi.Edge;

/// <summary>The cloud refused an uplink (<c>down/error</c>).</summary>
public sealed class ErrorReceivedEventArgs(ErrorReply error) : EventArgs
{
    public ErrorReply Error { get; } = error;
}
