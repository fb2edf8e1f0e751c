using System.Buffers;

namespace IotAi.Gateway.Mqtt.Tests;

/// <summary>How an uplink's payload becomes the array its grain keeps.</summary>
public sealed class UplinkPayloadTests
{
    [Fact]
    public void A_payload_that_is_a_whole_array_is_kept_as_it_is()
    {
        byte[] decoded = [1, 2, 3, 4];
        Assert.Same(decoded, UplinkPayload.Take(new ReadOnlySequence<byte>(decoded)));
    }

    [Fact]
    public void A_payload_that_is_part_of_an_array_or_in_several_segments_is_copied()
    {
        byte[] buffer = [9, 1, 2, 3, 9];
        var slice = UplinkPayload.Take(new ReadOnlySequence<byte>(buffer, 1, 3));
        Assert.Equal([1, 2, 3], slice);
        buffer[2] = 0;
        Assert.Equal([1, 2, 3], slice);

        var first = new Segment([1, 2]);
        var last = first.Append([3]);
        Assert.Equal([1, 2, 3], UplinkPayload.Take(new ReadOnlySequence<byte>(first, 0, last, 1)));
        Assert.Empty(UplinkPayload.Take(ReadOnlySequence<byte>.Empty));
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(byte[] bytes) => Memory = bytes;

        public Segment Append(byte[] bytes)
        {
            var next = new Segment(bytes) { RunningIndex = RunningIndex + Memory.Length };
            Next = next;
            return next;
        }
    }
}
