using IotAi.Models;

namespace IotAi.Grains.Tests;

/// <summary>The chunk size a device's offer names: the silo's own, or smaller where the device announced a packet limit.</summary>
public sealed class ModelOfferChunkingTests
{
    private const int Configured = 64 * 1024;
    private const string Device = "pump-7";

    [Fact]
    public void A_device_without_a_limit_gets_the_configured_chunk_size() =>
        Assert.Equal(Configured, ModelOffers.ChunkSizeFor(Configured, Device, maximumPacketSize: 0));

    [Fact]
    public void A_device_with_room_for_more_still_gets_the_configured_chunk_size() =>
        Assert.Equal(Configured, ModelOffers.ChunkSizeFor(Configured, Device, maximumPacketSize: 1 << 20));

    [Theory]
    [InlineData(4096u)]
    [InlineData(2000u)]
    [InlineData(Configured + 100u)]
    public void A_chunk_with_its_topic_and_headers_fits_the_devices_maximum(uint maximum)
    {
        var chunk = ModelOffers.ChunkSizeFor(Configured, Device, maximum);
        var topic = Protocol.DeviceTopics.ModelChunk(Device, new string('a', 64), int.MaxValue).Length;

        Assert.True(chunk + topic + ModelOffers.ChunkPacketOverhead <= maximum, $"a {chunk}-byte chunk does not fit {maximum} bytes");
        Assert.True(chunk + topic + ModelOffers.ChunkPacketOverhead + ModelOffers.ChunkGranularity > maximum, $"a {chunk}-byte chunk leaves a whole step of {maximum} bytes unused");
        Assert.Equal(0, chunk % ModelOffers.ChunkGranularity);
    }

    [Fact]
    public void A_device_too_small_for_the_smallest_chunk_is_offered_the_smallest() =>
        Assert.Equal(OtaOptions.MinChunkSize, ModelOffers.ChunkSizeFor(Configured, Device, maximumPacketSize: 512));
}
