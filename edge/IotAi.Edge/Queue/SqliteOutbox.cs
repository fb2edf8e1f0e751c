using System.Globalization;
using System.Threading.Channels;
using IotAi.Protocol;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace IotAi.Edge.Queue;

/// <summary>
/// The outbound queue in one SQLite file. SQLite earns its place over files of our own: a write-ahead log
/// that survives a killed process, a commit that can wait for the disk, and deletes from the middle for
/// eviction, in a library that ships for every Linux target. One writer task owns the connection and
/// commits whatever is pending as one transaction, so under load many samples share one disk flush. The
/// order in which samples go, and which to evict, is decided in memory (<see cref="OutboxIndex"/>).
/// </summary>
public sealed partial class SqliteOutbox : IOutbox, IAsyncDisposable, IDisposable
{
    private const int MaxBatch = 512;

    /// <summary>The database, its write-ahead log and its shared-memory index.</summary>
    private static readonly string[] FileSuffixes = ["", "-wal", "-shm"];
    private readonly SqliteConnection _db;
    private readonly OutboxOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly OutboxIndex _index = new();
    private readonly Lock _lock = new();
    private readonly Channel<Operation> _operations = Channel.CreateUnbounded<Operation>(new UnboundedChannelOptions { SingleReader = true });
    private readonly long[] _evicted = new long[3];
    private readonly long[] _expired = new long[3];
    private readonly Task _writer;
    private TaskCompletionSource? _available;
    private long _lastSeq;

    private SqliteOutbox(SqliteConnection db, OutboxOptions options, TimeProvider time, ILogger logger)
    {
        _db = db;
        _options = options;
        _time = time;
        _logger = logger;
        Load();
        _writer = Task.Run(WriteLoopAsync);
    }

    /// <summary>Opens (or creates) the queue at <paramref name="path"/>; samples left from an earlier run are sent again.</summary>
    public static SqliteOutbox Open(string path, OutboxOptions options, TimeProvider time, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        db.Open();
        var synchronous = options.Durability == QueueDurability.PowerLoss ? "FULL" : "NORMAL";
        Execute(db, $"""
            PRAGMA journal_mode=WAL;
            PRAGMA synchronous={synchronous};
            CREATE TABLE IF NOT EXISTS samples(
                id INTEGER PRIMARY KEY AUTOINCREMENT, kind INTEGER NOT NULL, content_type TEXT NOT NULL,
                taken_at INTEGER NOT NULL, label TEXT, priority INTEGER NOT NULL, enqueued INTEGER NOT NULL,
                seq INTEGER, payload BLOB NOT NULL, escalate INTEGER NOT NULL,
                local_model TEXT, local_version TEXT, local_label TEXT, local_confidence REAL);
            CREATE TABLE IF NOT EXISTS counters(name TEXT PRIMARY KEY, value INTEGER NOT NULL);
            """);
        return new SqliteOutbox(db, options, time, logger);
    }

    public OutboxStatistics Statistics
    {
        get
        {
            lock (_lock)
            {
                return new OutboxStatistics(_index.Count, _index.Bytes, ByPriority(_evicted), ByPriority(_expired), DiskBytes());
            }
        }
    }

    public async ValueTask EnqueueAsync(EdgeSample sample, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sample);
        var now = _time.GetUtcNow();
        var id = await SubmitAsync(new Insert(sample, now)).WaitAsync(cancellationToken);
        lock (_lock)
        {
            _index.Add(new OutboxEntry(id, sample.Payload.Length, sample.Priority, now, seq: null));
            Drop(_index.EvictFor(_options.MaxBytes), _evicted, "evicted");
            Drop(_index.Expire(now, _options.TimeToLive), _expired, "expired");
            _available?.TrySetResult();
        }
    }

    public async ValueTask<IReadOnlyList<OutboundMessage>> TakeAsync(int max, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        while (true)
        {
            Task available;
            List<OutboxEntry> taken;
            lock (_lock)
            {
                var now = _time.GetUtcNow();
                Drop(_index.Expire(now, _options.TimeToLive), _expired, "expired");
                taken = _index.Take(max, now, _options.LiveWindow);
                foreach (var entry in taken)
                {
                    entry.Seq ??= ++_lastSeq;
                }

                _available = taken.Count > 0 ? null : new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                available = _available?.Task ?? Task.CompletedTask;
            }

            if (taken.Count > 0)
            {
                return await LoadAsync(taken, cancellationToken);
            }

            await available.WaitAsync(cancellationToken);
        }
    }

    public void Acknowledge(OutboundMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        lock (_lock)
        {
            if (_index.Remove(message.Id))
            {
                Post(new Delete([message.Id], null, default));
            }
        }
    }

    public void Requeue(OutboundMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        lock (_lock)
        {
            _index.Requeue(message.Id);
            _available?.TrySetResult();
        }
    }

    /// <summary>Commits what is pending and closes the file.</summary>
    public async ValueTask DisposeAsync()
    {
        _operations.Writer.TryComplete();
        await _writer;
        await _db.DisposeAsync();
    }

    // A host disposed without await still closes the queue cleanly.
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <summary>Stores the numbers of newly numbered samples and reads the payloads of all taken ones.</summary>
    private async Task<IReadOnlyList<OutboundMessage>> LoadAsync(List<OutboxEntry> taken, CancellationToken cancellationToken)
    {
        try
        {
            long lastSeq;
            lock (_lock)
            {
                lastSeq = _lastSeq;
            }

            return await SubmitAsync(new Take(taken, lastSeq)).WaitAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Not stored: they go back to the front and are taken again, numbers and all.
            lock (_lock)
            {
                taken.ForEach(e => _index.Requeue(e.Id));
            }

            throw;
        }
    }

    private void Load()
    {
        using var counters = _db.CreateCommand();
        counters.CommandText = "SELECT name, value FROM counters";
        using (var reader = counters.ExecuteReader())
        {
            while (reader.Read())
            {
                var (name, value) = (reader.GetString(0), reader.GetInt64(1));
                if (name == "last_seq")
                {
                    _lastSeq = value;
                }
                else if (name.Split('.') is [var kind, var priority] && Enum.TryParse<SamplePriority>(priority, out var p))
                {
                    (kind == "evicted" ? _evicted : _expired)[(int)p] = value;
                }
            }
        }

        if (!HasCounter("last_seq"))
        {
            _lastSeq = _options.SeedSequenceFromClock ? _time.GetUtcNow().ToUnixTimeMilliseconds() : 0;
            Execute(_db, $"INSERT INTO counters(name, value) VALUES ('last_seq', {_lastSeq.ToString(CultureInfo.InvariantCulture)})");
        }

        using var samples = _db.CreateCommand();
        samples.CommandText = "SELECT id, length(payload), priority, enqueued, seq FROM samples ORDER BY id";
        using var rows = samples.ExecuteReader();
        while (rows.Read())
        {
            _index.Add(new OutboxEntry(rows.GetInt64(0), rows.GetInt32(1), (SamplePriority)rows.GetInt32(2),
                DateTimeOffset.FromUnixTimeMilliseconds(rows.GetInt64(3)), rows.IsDBNull(4) ? null : rows.GetInt64(4)) { SeqStored = !rows.IsDBNull(4) });
        }
    }

    private long DiskBytes() => FileSuffixes
        .Select(suffix => new FileInfo(_db.DataSource + suffix))
        .Sum(static f => f.Exists ? f.Length : 0);

    private bool HasCounter(string name)
    {
        using var command = _db.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM counters WHERE name = $name";
        command.Parameters.AddWithValue("$name", name);
        return (long)command.ExecuteScalar()! > 0;
    }

    /// <summary>Removes evicted or expired samples from the file and adds them to the counters; called under the lock.</summary>
    private void Drop(List<OutboxEntry> dropped, long[] counter, string kind)
    {
        if (dropped.Count == 0)
        {
            return;
        }

        var perPriority = new long[3];
        foreach (var entry in dropped)
        {
            perPriority[(int)entry.Priority]++;
            counter[(int)entry.Priority]++;
        }

        LogDropped(dropped.Count, kind);
        Post(new Delete([.. dropped.Select(static e => e.Id)], kind, perPriority));
    }

    private Task<T> SubmitAsync<T>(Operation<T> operation)
    {
        ObjectDisposedException.ThrowIf(!_operations.Writer.TryWrite(operation), this);
        return operation.Result;
    }

    private void Post(Operation operation)
    {
        if (!_operations.Writer.TryWrite(operation))
        {
            LogLostAfterClose();
        }
    }

    /// <summary>Commits whatever is pending as one transaction: many samples, one flush.</summary>
    private async Task WriteLoopAsync()
    {
        var batch = new List<Operation>(MaxBatch);
        while (await _operations.Reader.WaitToReadAsync())
        {
            batch.Clear();
            while (batch.Count < MaxBatch && _operations.Reader.TryRead(out var operation))
            {
                batch.Add(operation);
            }

            try
            {
                using (var transaction = _db.BeginTransaction())
                {
                    foreach (var operation in batch)
                    {
                        operation.Execute(_db, transaction);
                    }

                    transaction.Commit();
                }

                batch.ForEach(static o => o.Complete());
            }
            catch (SqliteException ex)
            {
                LogWriteFailed(ex, batch.Count);
                batch.ForEach(o => o.Fail(ex));
            }
        }
    }

    private static void Execute(SqliteConnection db, string sql)
    {
        using var command = db.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static Dictionary<SamplePriority, long> ByPriority(long[] counts) =>
        Enum.GetValues<SamplePriority>().ToDictionary(static p => p, p => counts[(int)p]);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The outbound queue {Kind} {Count} samples")]
    private partial void LogDropped(int count, string kind);

    [LoggerMessage(Level = LogLevel.Error, Message = "The outbound queue could not write {Count} changes; their callers are told")]
    private partial void LogWriteFailed(Exception exception, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A queue change came after the queue closed; it is redone from the file at the next start")]
    private partial void LogLostAfterClose();
}
