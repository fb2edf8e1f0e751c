using System.Globalization;
using IotAi.Protocol;
using Microsoft.Data.Sqlite;

namespace IotAi.Edge.Queue;

/// <summary>The changes the writer task commits, each told when its transaction is on disk.</summary>
public sealed partial class SqliteOutbox
{
    private abstract class Operation
    {
        public abstract void Execute(SqliteConnection db, SqliteTransaction transaction);

        public abstract void Complete();

        public abstract void Fail(Exception exception);
    }

    private abstract class Operation<T> : Operation
    {
        private readonly TaskCompletionSource<T> _result = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private T? _value;

        public Task<T> Result => _result.Task;

        public override void Execute(SqliteConnection db, SqliteTransaction transaction) => _value = Run(db, transaction);

        public override void Complete() => _result.TrySetResult(_value!);

        public override void Fail(Exception exception) => _result.TrySetException(exception);

        protected abstract T Run(SqliteConnection db, SqliteTransaction transaction);

        protected static SqliteCommand Command(SqliteConnection db, SqliteTransaction transaction, string sql)
        {
            var command = db.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = sql;
            return command;
        }
    }

    /// <summary>Stores a sample; its id is its place in the queue.</summary>
    private sealed class Insert(EdgeSample sample, DateTimeOffset enqueued) : Operation<long>
    {
        protected override long Run(SqliteConnection db, SqliteTransaction transaction)
        {
            using var command = Command(db, transaction, """
                INSERT INTO samples(kind, content_type, taken_at, label, priority, enqueued, payload, escalate,
                    local_model, local_version, local_label, local_confidence)
                VALUES ($kind, $type, $at, $label, $priority, $enqueued, $payload, $escalate, $model, $version, $answer, $confidence) RETURNING id
                """);
            command.Parameters.AddWithValue("$kind", (int)sample.Kind);
            command.Parameters.AddWithValue("$type", sample.ContentType);
            command.Parameters.AddWithValue("$at", sample.Timestamp.ToUnixTimeMilliseconds());
            command.Parameters.AddWithValue("$label", (object?)sample.Label ?? DBNull.Value);
            command.Parameters.AddWithValue("$priority", (int)sample.Priority);
            command.Parameters.AddWithValue("$enqueued", enqueued.ToUnixTimeMilliseconds());
            command.Parameters.AddWithValue("$payload", sample.Payload.ToArray());
            command.Parameters.AddWithValue("$escalate", sample.Escalate);
            command.Parameters.AddWithValue("$model", (object?)sample.Local?.Model ?? DBNull.Value);
            command.Parameters.AddWithValue("$version", (object?)sample.Local?.Version ?? DBNull.Value);
            command.Parameters.AddWithValue("$answer", (object?)sample.Local?.Label ?? DBNull.Value);
            command.Parameters.AddWithValue("$confidence", (object?)sample.Local?.Confidence ?? DBNull.Value);
            return (long)command.ExecuteScalar()!;
        }
    }

    /// <summary>Stores the numbers given to samples taken for the first time, and reads every taken sample back.</summary>
    private sealed class Take(List<OutboxEntry> taken, long lastSeq) : Operation<IReadOnlyList<OutboundMessage>>
    {
        protected override IReadOnlyList<OutboundMessage> Run(SqliteConnection db, SqliteTransaction transaction)
        {
            var numbered = taken.Where(static e => !e.SeqStored).ToList();
            if (numbered.Count > 0)
            {
                using var number = Command(db, transaction, "UPDATE samples SET seq = $seq WHERE id = $id");
                var seq = number.Parameters.Add("$seq", SqliteType.Integer);
                var id = number.Parameters.Add("$id", SqliteType.Integer);
                foreach (var entry in numbered)
                {
                    (seq.Value, id.Value) = (entry.Seq, entry.Id);
                    number.ExecuteNonQuery();
                }

                using var last = Command(db, transaction, "UPDATE counters SET value = max(value, $last) WHERE name = 'last_seq'");
                last.Parameters.AddWithValue("$last", lastSeq);
                last.ExecuteNonQuery();
            }

            var ids = string.Join(',', taken.Select(static e => e.Id.ToString(CultureInfo.InvariantCulture)));
            using var read = Command(db, transaction, $"""
                SELECT id, kind, content_type, taken_at, label, payload, priority, escalate, local_model, local_version, local_label, local_confidence
                FROM samples WHERE id IN ({ids})
                """);
            var samples = new Dictionary<long, EdgeSample>(taken.Count);
            using (var rows = read.ExecuteReader())
            {
                while (rows.Read())
                {
                    samples[rows.GetInt64(0)] = new EdgeSample((PayloadKind)rows.GetInt32(1), (byte[])rows.GetValue(5), rows.GetString(2),
                        DateTimeOffset.FromUnixTimeMilliseconds(rows.GetInt64(3)), rows.IsDBNull(4) ? null : rows.GetString(4))
                    {
                        Priority = (SamplePriority)rows.GetInt32(6),
                        Escalate = rows.GetBoolean(7),
                        Local = rows.IsDBNull(8) ? null : new EdgeAnswer(rows.GetString(8), rows.GetString(9), rows.GetString(10), rows.GetFloat(11)),
                    };
                }
            }

            numbered.ForEach(static e => e.SeqStored = true);
            return [.. taken.Where(e => samples.ContainsKey(e.Id)).Select(e => new OutboundMessage(e.Id, e.Seq!.Value, samples[e.Id]))];
        }
    }

    /// <summary>Removes samples; for evictions, also adds them to the persistent counters.</summary>
    private sealed class Delete(long[] ids, string? counter, long[]? perPriority) : Operation<bool>
    {
        protected override bool Run(SqliteConnection db, SqliteTransaction transaction)
        {
            using var delete = Command(db, transaction, $"DELETE FROM samples WHERE id IN ({string.Join(',', ids.Select(static i => i.ToString(CultureInfo.InvariantCulture)))})");
            delete.ExecuteNonQuery();
            if (counter is null || perPriority is null)
            {
                return true;
            }

            using var count = Command(db, transaction, """
                INSERT INTO counters(name, value) VALUES ($name, $n) ON CONFLICT(name) DO UPDATE SET value = value + $n
                """);
            var name = count.Parameters.Add("$name", SqliteType.Text);
            var n = count.Parameters.Add("$n", SqliteType.Integer);
            for (var priority = 0; priority < perPriority.Length; priority++)
            {
                if (perPriority[priority] > 0)
                {
                    (name.Value, n.Value) = ($"{counter}.{(SamplePriority)priority}", perPriority[priority]);
                    count.ExecuteNonQuery();
                }
            }

            return true;
        }
    }
}
