using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace IotAi.Gateway.Storage;

/// <summary>
/// Makes sure the PostgreSQL database has the grain state table and the queries Orleans' ADO.NET grain storage reads
/// (<c>postgresql-grain-state.sql</c>, embedded), before the silo starts. Silos starting together take turns on an
/// advisory lock, and every statement can run again, so a restart or a second silo changes nothing.
/// </summary>
internal sealed partial class PostgresGrainStateSchema(string connectionString, ILogger<PostgresGrainStateSchema> logger) : IHostedService
{
    /// <summary>The advisory lock the silos take while they create the schema: "iotai" in ASCII.</summary>
    private const long LockKey = 0x696f746169;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var lockCommand = new NpgsqlCommand($"SELECT pg_advisory_xact_lock({LockKey})", connection, transaction))
        {
            await lockCommand.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var schema = new NpgsqlCommand(Script(), connection, transaction))
        {
            await schema.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        LogReady(connection.Database);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>The schema script, embedded in this assembly.</summary>
    public static string Script()
    {
        using var stream = typeof(PostgresGrainStateSchema).Assembly.GetManifestResourceStream("IotAi.Gateway.Storage.postgresql-grain-state.sql")
            ?? throw new InvalidOperationException("The PostgreSQL schema script is missing from the gateway assembly.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Grain state schema ready in PostgreSQL database {Database}")]
    private partial void LogReady(string database);
}
