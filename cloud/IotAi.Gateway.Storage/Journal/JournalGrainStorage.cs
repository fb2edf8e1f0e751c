using System.Buffers;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Extensions.Logging;
using Orleans.Serialization;
using Orleans.Storage;

namespace IotAi.Gateway.Storage.Journal;

/// <summary>
/// Grain state in files under the data directory, written through this silo's <see cref="StateJournal"/>: a write
/// appends a record and completes once the record is durable, sharing the write (and the flush) with every grain that
/// wrote meanwhile. Compaction moves the records into per-state snapshots (<see cref="SlotFiles"/>) every
/// <see cref="FileGrainStorageOptions.CompactInterval"/>, and so does an activation that ends
/// (<see cref="SettlingStateFactory"/>), so a grain that moves to another silo finds its newest state in its snapshot;
/// a crashed silo's journal is recovered by the next silo to read a state (<see cref="OrphanJournals"/>). The version
/// of each state is its ETag, as with the slot files alone.
/// </summary>
internal sealed partial class JournalGrainStorage : IGrainStorage, ILifecycleParticipant<ISiloLifecycle>, IDisposable
{
    private readonly FileGrainStorageOptions _options;
    private readonly Serializer _serializer;
    private readonly ILogger _logger;
    private readonly OrphanJournals _orphans;
    private readonly StateJournal _journal;

    // The entry each activation read or wrote, keyed by its state object, so it goes when the activation goes.
    private readonly ConditionalWeakTable<object, JournalEntry> _known = new();
    private readonly CancellationTokenSource _stopping = new();
    private Task _compaction = Task.CompletedTask;

    public JournalGrainStorage(string name, FileGrainStorageOptions options, Serializer serializer, ILogger<JournalGrainStorage> logger, IMeterFactory? meters = null)
    {
        Name = name;
        _options = options;
        _serializer = serializer;
        _orphans = new OrphanJournals(options, logger);
        _journal = _orphans.Start();
        _logger = logger;
        if (meters is not null)
        {
            JournalTelemetry.Observe(meters, _journal);
        }
    }

    /// <summary>The name grains give this storage in their <c>[PersistentState]</c>.</summary>
    public string Name { get; }

    /// <summary>This silo's journal, for tests and the benchmark's counts.</summary>
    internal StateJournal Journal => _journal;

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        _orphans.Recover();
        var path = PathOf(stateName, grainId);
        var entry = _journal.DirtyEntry(path);
        if (entry is not null)
        {
            lock (entry)
            {
                if (entry.Dirty)
                {
                    var buffer = RecordBuffer.Take();
                    var record = _journal.ReadRecord(entry, buffer);
                    Load(grainState, record.Version, buffer.WrittenMemory[record.StateStart..]);
                    entry.Version = record.Version;
                    _known.AddOrUpdate(grainState, entry);
                    return Task.CompletedTask;
                }
            }
        }

        entry = new JournalEntry(path, KeyOf(stateName, grainId));
        if (SlotFiles.Newest(path) is { } slot)
        {
            Load(grainState, slot.Version, slot.Body);
            entry.Version = slot.Version;
        }

        _known.AddOrUpdate(grainState, entry);
        return Task.CompletedTask;
    }

    private void Load<T>(IGrainState<T> grainState, long version, ReadOnlyMemory<byte> state)
    {
        grainState.ETag = version.ToString(CultureInfo.InvariantCulture);
        // An empty state records a clear.
        grainState.RecordExists = !state.IsEmpty;
        if (!state.IsEmpty)
        {
            grainState.State = _serializer.Deserialize<T>(state);
        }
    }

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        var entry = Expect(stateName, grainId, grainState);
        var version = entry.Version + 1;
        var buffer = RecordBuffer.Take();
        buffer.Advance(JournalRecord.FixedLength + entry.Key.Length);
        _serializer.Serialize(grainState.State, buffer);
        await Append(buffer, entry, version);
        grainState.ETag = version.ToString(CultureInfo.InvariantCulture);
        grainState.RecordExists = true;
    }

    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        var entry = Expect(stateName, grainId, grainState);
        var buffer = RecordBuffer.Take();
        buffer.Advance(JournalRecord.FixedLength + entry.Key.Length);
        var version = entry.Version + 1;
        await Append(buffer, entry, version);
        grainState.ETag = version.ToString(CultureInfo.InvariantCulture);
        grainState.RecordExists = false;
        grainState.State = default!;
    }

    /// <summary>Completes a record (header and key in front of the state already in <paramref name="buffer"/>) and appends it.</summary>
    private async Task Append(ArrayBufferWriter<byte> buffer, JournalEntry entry, long version)
    {
        var record = System.Runtime.InteropServices.MemoryMarshal.AsMemory(buffer.WrittenMemory).Span;
        entry.Key.CopyTo(record[JournalRecord.FixedLength..]);
        JournalRecord.WriteHeader(record, version, entry.Key.Length);
        await _journal.AppendAsync(record, entry);
        entry.Version = version;
    }

    /// <summary>The entry an activation writes through, after checking that the version it last saw is the newest.</summary>
    private JournalEntry Expect<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var expected = grainState.ETag is null ? 0 : long.Parse(grainState.ETag, CultureInfo.InvariantCulture);
        if (!_known.TryGetValue(grainState, out var entry))
        {
            // A state never read here: a grain that writes before reading, or one rehydrated from another silo.
            var path = PathOf(stateName, grainId);
            entry = _journal.DirtyEntry(path) ?? new JournalEntry(path, KeyOf(stateName, grainId)) { Version = SlotFiles.Newest(path)?.Version ?? 0 };
            _known.AddOrUpdate(grainState, entry);
        }

        if (entry.Version != expected)
        {
            throw new InconsistentStateException($"The state in {entry.Path} was written by someone else.", entry.Version.ToString(CultureInfo.InvariantCulture), grainState.ETag);
        }

        return entry;
    }

    /// <summary>Moves a state's newest journal record into its snapshot: its activation is ending, and it may next activate on another silo.</summary>
    public void Settle(string stateName, GrainId grainId) => _journal.Settle(PathOf(stateName, grainId));

    private string PathOf(string stateName, GrainId grainId) => Path.Combine(_options.Directory, RelativePath(stateName, grainId));

    private static byte[] KeyOf(string stateName, GrainId grainId) => Encoding.UTF8.GetBytes(RelativePath(stateName, grainId));

    /// <summary>The state's place under the state directory, as the slot files alone lay it out.</summary>
    private static string RelativePath(string stateName, GrainId grainId) => Path.Combine(
        Uri.EscapeDataString(stateName),
        Uri.EscapeDataString(grainId.Type.ToString()!),
        Uri.EscapeDataString(grainId.Key.ToString()!) + ".state");

    public void Participate(ISiloLifecycle observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        observer.Subscribe(nameof(JournalGrainStorage), ServiceLifecycleStage.RuntimeStorageServices, StartAsync, StopAsync);
    }

    private Task StartAsync(CancellationToken cancellationToken)
    {
        _compaction = Task.Run(CompactAsync, CancellationToken.None);
        return Task.CompletedTask;
    }

    private async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await _compaction;
        // Grains have been put away by now, each settling its state; what is left goes to the snapshots too.
        _journal.Close();
    }

    /// <summary>Rolls the journal over every <see cref="FileGrainStorageOptions.CompactInterval"/> and compacts what was rolled.</summary>
    private async Task CompactAsync()
    {
        using var timer = new PeriodicTimer(_options.CompactInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(_stopping.Token))
            {
                CompactOnce();
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
    }

    /// <summary>Rolls the journal over and compacts every segment no longer written.</summary>
    internal void CompactOnce()
    {
        try
        {
            _journal.RollOver();
            foreach (var segment in _journal.Rolled.Order().ToList())
            {
                _journal.Compact(segment);
            }
        }
#pragma warning disable CA1031 // A compaction that fails leaves the records in the journal, which still holds them; the next one tries again.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogCompactionFailed(ex);
        }
    }

    public void Dispose()
    {
        _journal.Dispose();
        _stopping.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Compacting the state journal failed; its records stay in the journal until the next try")]
    private partial void LogCompactionFailed(Exception exception);
}
