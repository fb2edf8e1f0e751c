using IotAi.Edge.Queue;

namespace IotAi.Edge.Tests;

public sealed class OutboxIndexTests
{
    private static readonly DateTimeOffset Start = DateTimeOffset.UnixEpoch.AddYears(56);
    private static readonly TimeSpan Live = TimeSpan.FromSeconds(2);
    private readonly OutboxIndex _index = new();

    private OutboxEntry Add(long id, SamplePriority priority = SamplePriority.Routine, double secondsAgo = 60, int size = 100, long? seq = null)
    {
        var entry = new OutboxEntry(id, size, priority, Start.AddSeconds(-secondsAgo), seq);
        _index.Add(entry);
        return entry;
    }

    private long[] Take(int max) => [.. _index.Take(max, Start, Live).Select(e => e.Id)];

    [Fact]
    public void The_backlog_goes_oldest_first()
    {
        Add(1);
        Add(2);
        Add(3);

        Assert.Equal([1, 2], Take(2));
        Assert.Equal([3], Take(5));
        Assert.False(_index.HasWork);
    }

    [Fact]
    public void Live_samples_go_before_an_older_backlog_in_their_own_order()
    {
        Add(1, secondsAgo: 600);
        Add(2, secondsAgo: 500);
        Add(3, secondsAgo: 1.5);
        Add(4, secondsAgo: 0.5);

        Assert.Equal([3, 4, 1], Take(3));
        Assert.Equal([2], Take(3));
    }

    [Fact]
    public void Samples_sent_before_go_first_by_their_number()
    {
        Add(1);
        Add(7, seq: 41);
        Add(8, seq: 40);
        var taken = _index.Take(1, Start, Live).Single();
        Assert.Equal(8, taken.Id);

        _index.Requeue(taken.Id);

        Assert.Equal([8, 7, 1], Take(3));
    }

    [Fact]
    public void A_full_queue_evicts_the_lowest_priority_oldest_first_and_never_what_is_in_flight()
    {
        Add(1, SamplePriority.HardExample);
        Add(2, SamplePriority.Routine);
        Add(3, SamplePriority.Image);
        Add(4, SamplePriority.Routine);
        Add(5, SamplePriority.Routine);
        var inFlight = _index.Take(1, Start, Live).Single();

        var evicted = _index.EvictFor(maxBytes: 200);

        Assert.Equal(1, inFlight.Id);
        Assert.Equal([2, 4, 5], evicted.Select(e => e.Id));
        Assert.Equal(200, _index.Bytes);
        Assert.Equal([3], Take(5));
    }

    [Fact]
    public void Samples_past_their_priority_s_time_to_live_expire()
    {
        Add(1, SamplePriority.Routine, secondsAgo: 7200);
        Add(2, SamplePriority.HardExample, secondsAgo: 7200);
        Add(3, SamplePriority.Routine, secondsAgo: 10);

        var expired = _index.Expire(Start, p => p == SamplePriority.Routine ? TimeSpan.FromHours(1) : TimeSpan.FromDays(1));

        Assert.Equal([1], expired.Select(e => e.Id));
        Assert.Equal([2, 3], Take(5));
    }

    [Fact]
    public void An_acknowledged_sample_leaves_and_cannot_be_requeued()
    {
        Add(1);
        var taken = _index.Take(1, Start, Live).Single();
        taken.Seq = 1;

        Assert.True(_index.Remove(1));
        _index.Requeue(1);

        Assert.False(_index.Remove(1));
        Assert.Equal((0, 0L, false), (_index.Count, _index.Bytes, _index.HasWork));
    }
}
