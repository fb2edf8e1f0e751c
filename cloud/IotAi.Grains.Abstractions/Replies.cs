using System.Text.Json;
using IotAi.Protocol;

namespace IotAi.Grains;

/// <summary>Builds the error replies that both the ingress and the device grain send.</summary>
public static class Replies
{
    public static DownlinkMessage Error(long? seq, string code, string message, string topic) => new(
        DownlinkKind.Error,
        JsonSerializer.SerializeToUtf8Bytes(new ErrorReply(seq, code, message, topic), ProtocolJson.Wire.ErrorReply));
}
