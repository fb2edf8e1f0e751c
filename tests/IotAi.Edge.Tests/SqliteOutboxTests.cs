using System.Text;
using IotAi.Edge.Queue;
using IotAi.Protocol;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace IotAi.Edge.Tests;

/// <summary>The on-disk queue: what it keeps across a restart, how it numbers, and what it evicts when full.</summary>
public sealed class SqliteOutboxTests : IDisposable
{
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("iotai-queue-");
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UnixEpoch.AddYears(56));

    private string QueuePath => Path.Combine(_data.FullName, "queue.db");

    private SqliteOutbox Open(OutboxOptions? options = null) =>
        SqliteOutbox.Open(QueuePath, options ?? new OutboxOptions { SeedSequenceFromClock = false }, _clock, NullLogger.Instance);

    private static EdgeSample Sample(int n, SamplePriority priority = SamplePriority.Routine, int size = 0) =>
        new(PayloadKind.Telemetry, size > 0 ? new byte[size] : Encoding.UTF8.GetBytes($$$"""{"values":{"n":{{{n}}}}}"""), ContentTypes.Json, DateTimeOffset.UnixEpoch.AddSeconds(n), $"label-{n}")
        {
            Priority = priority,
        };

    private static string Text(OutboundMessage message) => Encoding.UTF8.GetString(message.Sample.Payload.Span);

    [Fact]
    public async Task Samples_survive_a_restart_and_those_sent_before_go_again_first_under_their_numbers()
    {
        await using (var queue = Open())
        {
            for (var n = 1; n <= 5; n++)
            {
                await queue.EnqueueAsync(Sample(n), CancellationToken.None);
            }

            var sent = await queue.TakeAsync(3, CancellationToken.None);
            queue.Acknowledge(sent[0]);
            Assert.Equal([1L, 2L, 3L], sent.Select(m => m.Seq));
        }

        await using var reopened = Open();
        var again = await reopened.TakeAsync(10, CancellationToken.None);

        Assert.Equal([2L, 3L, 4L, 5L], again.Select(m => m.Seq));
        Assert.Equal("""{"values":{"n":2}}""", Text(again[0]));
        Assert.Equal(("label-5", SamplePriority.Routine, DateTimeOffset.UnixEpoch.AddSeconds(5)), (again[3].Sample.Label, again[3].Sample.Priority, again[3].Sample.Timestamp));
        Assert.Equal(4, reopened.Statistics.Depth);
    }

    [Fact]
    public async Task A_new_queue_numbers_from_the_clock_so_a_wiped_device_still_counts_up()
    {
        await using var queue = Open(new OutboxOptions());
        await queue.EnqueueAsync(Sample(1), CancellationToken.None);

        var message = (await queue.TakeAsync(1, CancellationToken.None)).Single();

        Assert.Equal(_clock.GetUtcNow().ToUnixTimeMilliseconds() + 1, message.Seq);
    }

    [Fact]
    public async Task A_requeued_message_goes_again_with_its_number_before_newer_ones()
    {
        await using var queue = Open();
        await queue.EnqueueAsync(Sample(1), CancellationToken.None);
        var first = (await queue.TakeAsync(1, CancellationToken.None)).Single();
        await queue.EnqueueAsync(Sample(2), CancellationToken.None);

        queue.Requeue(first);
        var next = await queue.TakeAsync(2, CancellationToken.None);

        Assert.Equal([(1L, """{"values":{"n":1}}"""), (2L, """{"values":{"n":2}}""")], next.Select(m => (m.Seq, Text(m))));
    }

    [Fact]
    public async Task A_taker_waits_for_the_next_sample()
    {
        await using var queue = Open();
        var waiting = queue.TakeAsync(4, CancellationToken.None).AsTask();
        Assert.False(waiting.IsCompleted);

        await queue.EnqueueAsync(Sample(9), CancellationToken.None);

        Assert.Equal("""{"values":{"n":9}}""", Text((await waiting.WaitAsync(TimeSpan.FromSeconds(10))).Single()));
    }

    [Fact]
    public async Task A_full_queue_evicts_routine_telemetry_before_images_and_hard_examples_and_counts_it()
    {
        var options = new OutboxOptions { SeedSequenceFromClock = false, MaxBytes = 10_000 };
        await using (var queue = Open(options))
        {
            // 4 KB hard example, 4 KB image, then routine telemetry of 1 KB each until well past the bound.
            await queue.EnqueueAsync(Sample(1, SamplePriority.HardExample, 4000), CancellationToken.None);
            await queue.EnqueueAsync(Sample(2, SamplePriority.Image, 4000), CancellationToken.None);
            for (var n = 3; n <= 12; n++)
            {
                await queue.EnqueueAsync(Sample(n, SamplePriority.Routine, 1000), CancellationToken.None);
            }

            var statistics = queue.Statistics;
            Assert.Equal(10_000, statistics.Bytes);
            Assert.Equal(8, statistics.EvictedForSpace[SamplePriority.Routine]);
            Assert.Equal(0, statistics.EvictedForSpace[SamplePriority.Image] + statistics.EvictedForSpace[SamplePriority.HardExample]);

            // One more image: the last two routine samples give way before anything of higher priority.
            await queue.EnqueueAsync(Sample(13, SamplePriority.Image, 2000), CancellationToken.None);
            Assert.Equal(10, queue.Statistics.EvictedForSpace[SamplePriority.Routine]);
        }

        await using var reopened = Open(options);
        var kept = await reopened.TakeAsync(10, CancellationToken.None);
        Assert.Equal([SamplePriority.HardExample, SamplePriority.Image, SamplePriority.Image], kept.Select(m => m.Sample.Priority));
        Assert.Equal(10, reopened.Statistics.EvictedForSpace[SamplePriority.Routine]);
        Assert.Equal(10, reopened.Statistics.Evictions);
    }

    [Fact]
    public async Task Samples_waiting_past_their_time_to_live_expire_and_are_counted()
    {
        await using var queue = Open(new OutboxOptions { SeedSequenceFromClock = false, RoutineTimeToLive = TimeSpan.FromHours(1) });
        await queue.EnqueueAsync(Sample(1), CancellationToken.None);
        await queue.EnqueueAsync(Sample(2, SamplePriority.HardExample), CancellationToken.None);

        _clock.Advance(TimeSpan.FromHours(2));
        var left = await queue.TakeAsync(10, CancellationToken.None);

        Assert.Equal([SamplePriority.HardExample], left.Select(m => m.Sample.Priority));
        Assert.Equal(1, queue.Statistics.Expired[SamplePriority.Routine]);
    }

    public void Dispose() => _data.Delete(recursive: true);
}
