using System.Buffers;
using System.Diagnostics;

namespace IotAi.Gateway.Storage.Journal;

/// <summary>
/// Records gathered for one write, and the task their callers wait on: made only when a caller waits, since a write
/// that found no other under way is done by its own caller. Reused once written, so writing allocates nothing.
/// </summary>
internal sealed class JournalBatch
{
    private const int MaxKeptBuffer = 256 * 1024;
    private ArrayBufferWriter<byte> _bytes = new(4096);
    private TaskCompletionSource? _done;

    public List<(JournalEntry Entry, int Offset, int Length)> Records { get; } = [];

    public ReadOnlySpan<byte> Bytes => _bytes.WrittenSpan;

    public bool IsEmpty => Records.Count == 0;

    /// <summary>The task a caller waiting on another's write awaits; the journal's lock is held.</summary>
    public Task Done => (_done ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    public void Add(ReadOnlySpan<byte> record, JournalEntry entry)
    {
        Records.Add((entry, _bytes.WrittenCount, record.Length));
        _bytes.Write(record);
    }

    public void Complete(Exception? failure)
    {
        if (_done is null)
        {
            return;
        }

        Debug.Assert(!_done.Task.IsCompleted, "A batch is written once.");
        if (failure is null)
        {
            _done.SetResult();
        }
        else
        {
            _done.SetException(failure);
        }
    }

    public void Reset()
    {
        _done = null;
        Records.Clear();
        if (_bytes.Capacity > MaxKeptBuffer)
        {
            // A burst of large states does not keep its buffer for good.
            _bytes = new ArrayBufferWriter<byte>(4096);
        }
        else
        {
            _bytes.ResetWrittenCount();
        }
    }
}
