using System.Text.Json.Serialization;

namespace IotAi.Protocol;

/// <summary>Where a model update stands on a device, on <c>devices/{id}/up/model/status</c>.</summary>
/// <param name="Name">The model's name.</param>
/// <param name="Version">The version the report is about.</param>
/// <param name="State">One of <see cref="ModelUpdateStates"/>.</param>
/// <param name="Reason">Why, for <c>failed</c> and <c>rolledBack</c>.</param>
public sealed record ModelStatusReport(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("version")] string Version,
    [property: JsonPropertyName("state")] string State,
    [property: JsonPropertyName("reason")] string? Reason = null);

/// <summary>The states a device reports for a model update, in the order they normally come.</summary>
public static class ModelUpdateStates
{
    public const string Offered = "offered";
    public const string Downloading = "downloading";
    public const string Verified = "verified";
    public const string Active = "active";
    public const string Failed = "failed";
    public const string RolledBack = "rolledBack";

    public static IReadOnlySet<string> All { get; } = new HashSet<string>(StringComparer.Ordinal) { Offered, Downloading, Verified, Active, Failed, RolledBack };
}
