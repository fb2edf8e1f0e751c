using System.Threading.Channels;

namespace IotAi.Learning;

/// <summary>
/// Appends a store's records to its segments, <c>{root}/{model}/{name}-{number}.samples</c>, from a loop of its own: the
/// callers (device grains, mid-turn) only queue a record, and every record that arrived while one write was under way
/// goes in the next, one write per model, and one flush with <c>flush</c>. A caller's task completes once its record is
/// written (and flushed), or carries the write's failure.
/// </summary>
/// <remarks>
/// The queue has no bound of its own: a device grain waits for its sample before it answers the next reading, so it holds
/// at most one record per device at work, and the capture quotas bound how many devices keep samples at once.
/// </remarks>
internal sealed class SampleSegmentWriter : IAsyncDisposable
{
    /// <summary>A segment is closed and the next begun past this size.</summary>
    public const long SegmentBytes = 64 * 1024 * 1024;

    /// <summary>How a segment's file name ends.</summary>
    public const string Extension = ".samples";

    private const int MaxRecordsPerWrite = 1024;
    private readonly string _root;
    private readonly string _name;
    private readonly bool _flush;
    private readonly Channel<Queued> _queue = Channel.CreateUnbounded<Queued>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Dictionary<string, Segment> _segments = new(StringComparer.Ordinal);
    private readonly Task _loop;

    /// <param name="root">The store's folder.</param>
    /// <param name="name">This writer's name, unique among the processes that share the folder.</param>
    /// <param name="flush">Whether each write is flushed to disk before its callers hear of it.</param>
    public SampleSegmentWriter(string root, string name, bool flush)
    {
        (_root, _name, _flush) = (root, name, flush);
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Queues <paramref name="record"/> for <paramref name="model"/>'s segment; the task completes once it is written.</summary>
    public Task AppendAsync(string model, byte[] record)
    {
        var queued = new Queued(model, record, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        return _queue.Writer.TryWrite(queued) ? queued.Done.Task : throw new ObjectDisposedException(nameof(SampleSegmentWriter), "The sample store is closed.");
    }

    private async Task RunAsync()
    {
        var batch = new List<Queued>(MaxRecordsPerWrite);
        while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (batch.Count < MaxRecordsPerWrite && _queue.Reader.TryRead(out var queued))
            {
                batch.Add(queued);
            }

            foreach (var model in batch.GroupBy(static q => q.Model, StringComparer.Ordinal))
            {
                Exception? failure = null;
                try
                {
                    Write(model.Key, model);
                }
#pragma warning disable CA1031 // The failure goes to every caller whose record was in the write.
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    failure = ex;
                }

                foreach (var queued in model)
                {
                    if (failure is null)
                    {
                        queued.Done.SetResult();
                    }
                    else
                    {
                        queued.Done.SetException(failure);
                    }
                }
            }

            batch.Clear();
        }
    }

    private void Write(string model, IEnumerable<Queued> records)
    {
        var segment = SegmentFor(model);
        var start = segment.Stream.Length;
        try
        {
            foreach (var queued in records)
            {
                segment.Stream.Write(queued.Record);
            }

            segment.Stream.Flush(flushToDisk: _flush);
        }
        catch (IOException)
        {
            // A write cut short (a full disk) is cut off, so the next one follows the last whole record.
            segment.Stream.SetLength(start);
            segment.Stream.Position = start;
            throw;
        }
    }

    private Segment SegmentFor(string model)
    {
        if (_segments.TryGetValue(model, out var segment) && segment.Stream.Length < SegmentBytes)
        {
            return segment;
        }

        var number = (segment?.Number ?? 0) + 1;
        segment?.Stream.Dispose();
        var folder = Path.Combine(_root, model);
        Directory.CreateDirectory(folder);
        var stream = new FileStream(Path.Combine(folder, $"{_name}-{number:D6}{Extension}"), FileMode.CreateNew, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0);
        return _segments[model] = new Segment(number, stream);
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
        foreach (var segment in _segments.Values)
        {
            await segment.Stream.DisposeAsync().ConfigureAwait(false);
        }
    }

    private sealed record Queued(string Model, byte[] Record, TaskCompletionSource Done);

    private sealed record Segment(int Number, FileStream Stream);
}
