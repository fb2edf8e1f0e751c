using Microsoft.Extensions.Time.Testing;

namespace IotAi.Protocol.Tests;

/// <summary>The device's side of a model transfer, which the edge agent and the OTA benchmark's devices both run.</summary>
public sealed class ModelTransferTests
{
    private const string Sha = "ab12";

    // 10 chunks of 100 bytes, the last one 50.
    private static readonly ModelOffer Offer = new("m", "2", "", "k", "ES256", "", Sha, 950, 100, 10);

    private readonly FakeTimeProvider _clock = new();

    [Fact]
    public void Asks_a_window_at_a_time_and_the_next_only_when_the_last_is_in()
    {
        var transfer = ModelTransfer.Whole(Offer, window: 4, _clock);

        Assert.Equal([0, 1, 2, 3], transfer.Next()!.Indexes);
        Assert.Null(transfer.Next());
        foreach (var index in new[] { 2, 0, 3 })
        {
            Assert.Equal(ChunkArrival.Taken, transfer.Arrived(Sha, index, 100));
        }

        Assert.Null(transfer.Next());
        Assert.Equal(ChunkArrival.Taken, transfer.Arrived(Sha, 1, 100));
        Assert.Equal([4, 5, 6, 7], transfer.Next()!.Indexes);
    }

    [Fact]
    public void Fetches_only_what_is_missing_and_completes_when_the_last_chunk_is_taken()
    {
        var transfer = new ModelTransfer(Offer, [3, 9], window: 4, _clock);

        var fetch = transfer.Next()!;
        Assert.Equal((Sha, 100), (fetch.Sha256, fetch.ChunkSize));
        Assert.Equal([3, 9], fetch.Indexes);
        Assert.Equal(ChunkArrival.Taken, transfer.Arrived(Sha, 3, 100));
        Assert.False(transfer.IsComplete);
        Assert.Equal(ChunkArrival.Taken, transfer.Arrived(Sha, 9, 50));
        Assert.True(transfer.IsComplete);
        Assert.Null(transfer.Next());
    }

    [Fact]
    public void Ignores_strays_repeats_and_chunks_of_the_wrong_length()
    {
        var transfer = ModelTransfer.Whole(Offer, window: 2, _clock);
        transfer.Next();

        Assert.Equal(ChunkArrival.NotWanted, transfer.Arrived("other", 0, 100));
        Assert.Equal(ChunkArrival.WrongLength, transfer.Arrived(Sha, 0, 99));
        Assert.Equal(ChunkArrival.Taken, transfer.Arrived(Sha, 0, 100));
        Assert.Equal(ChunkArrival.NotWanted, transfer.Arrived(Sha, 0, 100));
        Assert.Equal(ChunkArrival.WrongLength, transfer.Arrived(Sha, 9, 100));
        Assert.Equal(1, transfer.Outstanding);
    }

    [Fact]
    public void Asks_again_for_what_never_came_once_it_is_stale()
    {
        var transfer = ModelTransfer.Whole(Offer, window: 3, _clock);
        transfer.Next();
        transfer.Arrived(Sha, 1, 100);

        _clock.Advance(ModelTransfer.DefaultStaleAfter - TimeSpan.FromMilliseconds(1));
        Assert.Null(transfer.Stale());
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal([0, 2], transfer.Stale()!.Indexes);
        // Asking again starts the wait afresh.
        Assert.Null(transfer.Stale());
    }

    [Fact]
    public void Waits_as_long_as_it_is_told_before_asking_again()
    {
        var patience = TimeSpan.FromSeconds(30);
        var transfer = new ModelTransfer(Offer, [0, 1], window: 2, _clock, patience);
        transfer.Next();

        _clock.Advance(patience - TimeSpan.FromMilliseconds(1));
        Assert.Null(transfer.Stale());
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal([0, 1], transfer.Stale()!.Indexes);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ModelTransfer(Offer, [0], window: 1, _clock, TimeSpan.Zero));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(ModelFetch.MaxIndexes + 1)]
    public void Refuses_a_window_the_protocol_does_not_allow(int window)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ModelTransfer.Whole(Offer, window, _clock));
    }

    [Theory]
    [InlineData("devices/d1/down/model/chunk/ab12/7", true, "ab12", 7)]
    [InlineData("devices/d1/down/model/chunk/ab12/x", false, "", -1)]
    [InlineData("devices/d1/down/model/chunk//7", false, "", -1)]
    [InlineData("devices/d2/down/model/chunk/ab12/7", false, "", -1)]
    [InlineData("devices/d1/down/model/offer", false, "", -1)]
    public void Reads_chunk_topics(string topic, bool parsed, string sha256, int index)
    {
        Assert.Equal((parsed, sha256, index), (DeviceTopics.TryParseModelChunk(topic, DeviceTopics.ModelChunkPrefix("d1"), out var s, out var i), s, i));
        if (parsed)
        {
            Assert.Equal(topic, DeviceTopics.ModelChunk("d1", s, i));
        }
    }
}
