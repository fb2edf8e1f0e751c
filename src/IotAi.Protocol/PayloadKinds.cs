namespace IotAi.Protocol;

public static class PayloadKinds
{
    /// <summary>The name a payload kind goes by in results, twins and logs: <c>telemetry</c> or <c>image</c>.</summary>
    public static string Name(PayloadKind kind) => kind == PayloadKind.Image ? "image" : "telemetry";
}
