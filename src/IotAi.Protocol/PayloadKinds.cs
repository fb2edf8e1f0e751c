namespace IotAi.Protocol;

public static class PayloadKinds
{
    /// <summary>The name a payload kind goes by in results, twins and logs: <c>telemetry</c>, <c>image</c> or <c>tensor</c>.</summary>
    public static string Name(PayloadKind kind) => kind switch
    {
        PayloadKind.Image => "image",
        PayloadKind.Tensor => "tensor",
        _ => "telemetry",
    };
}
