using IotAi.Protocol;
using IotAi.Synthetic;

namespace IotAi.Simulator.Tests;

/// <summary>What the fake gateway sends back: a label, an error code, or nothing at all.</summary>
public sealed record GatewayReply(string? Label, string? ErrorCode)
{
    public static GatewayReply Result(string label) => new(label, null);

    public static GatewayReply Error(string code) => new(null, code);
}

/// <summary>Answering policies, named after the gateway behaviour they play.</summary>
public static class GatewayAnswers
{
    /// <summary>A perfect model: always the true label.</summary>
    public static GatewayReply? Truthfully(SeenUplink uplink, string truth) => GatewayReply.Result(truth);

    /// <summary>A model that is wrong exactly when <paramref name="wrong"/> says so.</summary>
    public static Func<SeenUplink, string, GatewayReply?> WrongWhen(Func<SeenUplink, bool> wrong) =>
        (uplink, truth) => GatewayReply.Result(wrong(uplink) ? WrongLabel(uplink.Kind, truth) : truth);

    /// <summary>A gateway with no image model: errors on images, right answers on telemetry.</summary>
    public static GatewayReply? WithoutImageModel(SeenUplink uplink, string truth) =>
        uplink.Kind == PayloadKind.Image ? GatewayReply.Error(ErrorCodes.NoModel) : GatewayReply.Result(truth);

    /// <summary>A stalled gateway: accepts every uplink and never answers.</summary>
    public static GatewayReply? Silently(SeenUplink uplink, string truth) => null;

    public static string WrongLabel(PayloadKind kind, string truth)
    {
        if (kind == PayloadKind.Telemetry)
        {
            return truth == SensorSample.AnomalyLabel ? SensorSample.NormalLabel : SensorSample.AnomalyLabel;
        }

        var labels = ImageShapes.Labels;
        return labels[(labels.IndexOf(truth) + 1) % labels.Count];
    }

    private static int IndexOf(this IReadOnlyList<string> labels, string label)
    {
        for (var i = 0; i < labels.Count; i++)
        {
            if (labels[i] == label)
            {
                return i;
            }
        }

        return -1;
    }
}
