using System.Buffers;
using System.Globalization;

namespace IotAi.Protocol;

/// <summary>
/// The topic scheme. A device publishes only under <c>devices/{id}/up/</c> and subscribes only under
/// <c>devices/{id}/down/</c>, so one prefix per direction is all an ACL needs to check.
/// </summary>
public static class DeviceTopics
{
    public const string Root = "devices";
    public const string TelemetrySuffix = "up/telemetry";
    public const string ImageSuffix = "up/image";
    public const string TensorSuffix = "up/tensor";
    public const string ReportedSuffix = "up/twin/reported";
    public const string ModelFetchSuffix = "up/model/fetch";
    public const string ModelStatusSuffix = "up/model/status";
    public const string ModelQualitySuffix = "up/model/quality";
    public const string LabelSuffix = "up/label";
    public const string ModelOfferSuffix = "down/model/offer";
    public const string ModelChunkSuffix = "down/model/chunk";
    public const string ResultSuffix = "down/result";
    public const string ErrorSuffix = "down/error";
    public const string DesiredSuffix = "down/twin/desired";
    public const string KeySetSuffix = "down/keys";

    /// <summary>The longest device id the gateway accepts.</summary>
    public const int MaxDeviceIdLength = 128;

    private static readonly SearchValues<char> DeviceIdChars =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:");

    public static string Telemetry(string deviceId) => $"{Root}/{deviceId}/{TelemetrySuffix}";

    public static string Image(string deviceId) => $"{Root}/{deviceId}/{ImageSuffix}";

    /// <summary>Where a device calls a model with named tensors: <c>devices/{id}/up/tensor/{model}</c>, or without a model, the one <c>Models:Routes</c> gives tensors.</summary>
    public static string Tensor(string deviceId, string? model = null) =>
        model is null ? $"{Root}/{deviceId}/{TensorSuffix}" : $"{Root}/{deviceId}/{TensorSuffix}/{model}";

    public static string Reported(string deviceId) => $"{Root}/{deviceId}/{ReportedSuffix}";

    public static string ModelFetch(string deviceId) => $"{Root}/{deviceId}/{ModelFetchSuffix}";

    public static string ModelStatus(string deviceId) => $"{Root}/{deviceId}/{ModelStatusSuffix}";

    public static string ModelQuality(string deviceId) => $"{Root}/{deviceId}/{ModelQualitySuffix}";

    public static string Label(string deviceId) => $"{Root}/{deviceId}/{LabelSuffix}";

    public static string ModelOffer(string deviceId) => $"{Root}/{deviceId}/{ModelOfferSuffix}";

    /// <summary>Where chunk <paramref name="index"/> of the blob <paramref name="sha256"/> goes: the topic names what it carries.</summary>
    public static string ModelChunk(string deviceId, string sha256, int index) =>
        string.Create(CultureInfo.InvariantCulture, $"{Root}/{deviceId}/{ModelChunkSuffix}/{sha256}/{index}");

    /// <summary>What every chunk topic addressed to a device starts with: <c>devices/{id}/down/model/chunk/</c>.</summary>
    public static string ModelChunkPrefix(string deviceId) => $"{Root}/{deviceId}/{ModelChunkSuffix}/";

    /// <summary>Reads <c>devices/{id}/down/model/chunk/{sha256}/{index}</c>, given that device's <see cref="ModelChunkPrefix"/>; false for any other topic.</summary>
    public static bool TryParseModelChunk(string topic, string prefix, out string sha256, out int index)
    {
        ArgumentNullException.ThrowIfNull(topic);
        ArgumentNullException.ThrowIfNull(prefix);
        sha256 = string.Empty;
        index = -1;
        if (!topic.StartsWith(prefix, StringComparison.Ordinal))
        {
            return false;
        }

        var rest = topic.AsSpan(prefix.Length);
        var slash = rest.IndexOf('/');
        if (slash <= 0 || !int.TryParse(rest[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
        {
            return false;
        }

        (sha256, index) = (rest[..slash].ToString(), parsed);
        return true;
    }

    public static string Result(string deviceId) => $"{Root}/{deviceId}/{ResultSuffix}";

    public static string Error(string deviceId) => $"{Root}/{deviceId}/{ErrorSuffix}";

    public static string Desired(string deviceId) => $"{Root}/{deviceId}/{DesiredSuffix}";

    public static string KeySet(string deviceId) => $"{Root}/{deviceId}/{KeySetSuffix}";

    /// <summary>The filter a device subscribes to for everything addressed to it.</summary>
    public static string DownlinkFilter(string deviceId) => $"{Root}/{deviceId}/down/#";

    /// <summary>A device id is 1 to 128 characters of letters, digits and <c>- _ . :</c>.</summary>
    public static bool IsValidDeviceId(ReadOnlySpan<char> deviceId) =>
        deviceId.Length is > 0 and <= MaxDeviceIdLength && !deviceId.ContainsAnyExcept(DeviceIdChars);

    /// <summary>
    /// Parses <c>devices/{id}/up/telemetry</c>, <c>devices/{id}/up/image</c>,
    /// <c>devices/{id}/up/image/{seq}</c> (for MQTT 3.1.1 clients that have no user properties) and
    /// <c>devices/{id}/up/twin/reported</c>.
    /// </summary>
    /// <param name="topic">The topic a message came on.</param>
    /// <param name="sender">
    /// The publishing client's id, returned as the device id when the topic names it (a device publishes only on its
    /// own topics), which spares a string per message.
    /// </param>
    public static UplinkTopicParse ParseUplink(string topic, string? sender = null)
    {
        ArgumentNullException.ThrowIfNull(topic);
        var span = topic.AsSpan();
        if (!span.StartsWith(Root + "/", StringComparison.Ordinal))
        {
            return UplinkTopicParse.NotUplink;
        }

        var rest = span[(Root.Length + 1)..];
        var slash = rest.IndexOf('/');
        if (slash <= 0)
        {
            return UplinkTopicParse.NotUplink;
        }

        var deviceId = rest[..slash];
        var path = rest[(slash + 1)..];
        if (!path.StartsWith("up/", StringComparison.Ordinal))
        {
            return UplinkTopicParse.NotUplink;
        }

        if (!IsValidDeviceId(deviceId))
        {
            return new UplinkTopicParse(UplinkTopicStatus.InvalidDeviceId, deviceId.ToString(), default, null);
        }

        var id = deviceId.SequenceEqual(sender) ? sender! : deviceId.ToString();
        if (path.SequenceEqual(TelemetrySuffix))
        {
            return new UplinkTopicParse(UplinkTopicStatus.Ok, id, PayloadKind.Telemetry, null);
        }

        if (path.SequenceEqual(ImageSuffix))
        {
            return new UplinkTopicParse(UplinkTopicStatus.Ok, id, PayloadKind.Image, null);
        }

        if (path.SequenceEqual(TensorSuffix))
        {
            return new UplinkTopicParse(UplinkTopicStatus.Ok, id, PayloadKind.Tensor, null);
        }

        if (path.StartsWith(TensorSuffix + "/", StringComparison.Ordinal) && path[(TensorSuffix.Length + 1)..] is { Length: > 0 } model && !model.Contains('/'))
        {
            return new UplinkTopicParse(UplinkTopicStatus.Ok, id, PayloadKind.Tensor, null, model.ToString());
        }

        if (path.SequenceEqual(ReportedSuffix))
        {
            return new UplinkTopicParse(UplinkTopicStatus.Reported, id, default, null);
        }

        if (path.SequenceEqual(ModelFetchSuffix))
        {
            return new UplinkTopicParse(UplinkTopicStatus.ModelFetch, id, default, null);
        }

        if (path.SequenceEqual(ModelStatusSuffix))
        {
            return new UplinkTopicParse(UplinkTopicStatus.ModelStatus, id, default, null);
        }

        if (path.SequenceEqual(ModelQualitySuffix))
        {
            return new UplinkTopicParse(UplinkTopicStatus.ModelQuality, id, default, null);
        }

        if (path.SequenceEqual(LabelSuffix))
        {
            return new UplinkTopicParse(UplinkTopicStatus.Label, id, default, null);
        }

        if (path.StartsWith(ImageSuffix + "/", StringComparison.Ordinal)
            && long.TryParse(path[(ImageSuffix.Length + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var seq)
            && seq > 0)
        {
            return new UplinkTopicParse(UplinkTopicStatus.Ok, id, PayloadKind.Image, seq);
        }

        return new UplinkTopicParse(UplinkTopicStatus.UnknownKind, id, default, null);
    }
}
