using System.Text.Json;
using IotAi.Models;
using IotAi.Protocol;

namespace IotAi.Edge.Tests;

/// <summary>Trusted key sets as the cloud pushes them, made for the edge tests.</summary>
internal static class KeySets
{
    /// <summary>A set of <paramref name="keys"/> at <paramref name="version"/>, signed by <paramref name="by"/>.</summary>
    public static SignedKeySet Signed(ModelSigner by, long version, params ModelSigner[] keys)
    {
        using var trusted = new TrustedKeys();
        foreach (var key in keys)
        {
            trusted.Add(key.ExportPublicKeyPem());
        }

        return TrustedKeySet.Of(trusted, version, DateTimeOffset.UtcNow).Sign(by);
    }

    public static byte[] Json(SignedKeySet set) => JsonSerializer.SerializeToUtf8Bytes(set, ProtocolJson.Wire.SignedKeySet);

    /// <summary>A key file an agent can be configured to trust.</summary>
    public static string WriteKey(ModelSigner key, string folder)
    {
        var path = Path.Combine(folder, $"{key.KeyId}.pub.pem");
        File.WriteAllText(path, key.ExportPublicKeyPem());
        return path;
    }

    /// <summary>Whether <paramref name="publish"/> is a twin report of <paramref name="deviceId"/> saying it holds key set <paramref name="version"/>.</summary>
    public static bool ReportsVersion(RecordedPublish publish, string deviceId, long version) =>
        publish.Topic == DeviceTopics.Reported(deviceId)
        && ReportedProperties.Read(publish.Payload).Properties?.GetValueOrDefault(ReportedProperties.KeySetVersion) == version.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
