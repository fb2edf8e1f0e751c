using System.Buffers;
using System.Runtime.InteropServices;

namespace IotAi.Gateway.Mqtt;

/// <summary>The payload of an uplink the gateway consumes, as the array its grain keeps.</summary>
internal static class UplinkPayload
{
    /// <summary>
    /// MQTTnet decodes each PUBLISH's payload into an array of its own, exactly the payload's size. An uplink goes to
    /// its grain and to no subscriber (the ingress turns its processing off), so nothing else reads that array and the
    /// grain may keep it rather than a copy. A payload in any other shape (a slice, several segments) is copied.
    /// </summary>
    public static byte[] Take(in ReadOnlySequence<byte> payload)
    {
        if (payload.IsEmpty)
        {
            return [];
        }

        return payload.IsSingleSegment && MemoryMarshal.TryGetArray(payload.First, out var segment)
            && segment is { Array: { } array, Offset: 0 } && segment.Count == array.Length
            ? array
            : payload.ToArray();
    }
}
