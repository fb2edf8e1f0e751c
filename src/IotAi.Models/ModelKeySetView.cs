namespace IotAi.Models;

/// <summary>The key set devices are given, and the devices holding each version ("none" for the devices that hold no key set yet).</summary>
public sealed record ModelKeySetView(
    long Version,
    DateTimeOffset IssuedAt,
    string SignedBy,
    IReadOnlyList<string> KeyIds,
    IReadOnlyDictionary<string, IReadOnlyList<string>> Devices);
