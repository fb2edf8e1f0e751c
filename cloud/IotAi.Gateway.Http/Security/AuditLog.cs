using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace IotAi.Gateway.Http.Security;

/// <summary>
/// The audit trail of the management API: each entry is logged on the <see cref="Category"/> category and appended
/// as a JSON line to <c>{data}/audit/audit-YYYY-MM-DD.jsonl</c> (UTC days). Files older than
/// <see cref="ApiSecurityOptions.AuditRetentionDays"/> are deleted when a new day's file begins.
/// </summary>
internal sealed partial class AuditLog : IDisposable
{
    public const string Category = "IotAi.Audit";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly string _directory;
    private readonly ILogger _logger;
    private readonly TimeProvider _clock;
    private readonly int _retentionDays;
    private readonly SemaphoreSlim _append = new(1, 1);
    private DateOnly _day;

    public AuditLog(string directory, ILoggerFactory loggers, TimeProvider clock, IOptions<ApiSecurityOptions> options)
    {
        ArgumentNullException.ThrowIfNull(loggers);
        ArgumentNullException.ThrowIfNull(options);
        _directory = directory;
        _logger = loggers.CreateLogger(Category);
        _clock = clock;
        _retentionDays = options.Value.AuditRetentionDays;
    }

    public TimeProvider Clock => _clock;

    public async Task RecordAsync(AuditEntry entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        LogChange(entry.Who, entry.Role, entry.Method, entry.Path, entry.Status, entry.Remote);
        var day = DateOnly.FromDateTime(entry.Time.UtcDateTime);
        await _append.WaitAsync(cancellationToken);
        try
        {
            if (day != _day)
            {
                Directory.CreateDirectory(_directory);
                DeleteOlderThan(day.AddDays(-_retentionDays));
                _day = day;
            }

            await File.AppendAllTextAsync(FileOf(day), JsonSerializer.Serialize(entry, Json) + "\n", cancellationToken);
        }
        finally
        {
            _append.Release();
        }
    }

    /// <summary>The newest <paramref name="limit"/> entries, newest first, across days.</summary>
    public IReadOnlyList<AuditEntry> Read(int limit)
    {
        var entries = new List<AuditEntry>(Math.Min(limit, 1024));
        if (!Directory.Exists(_directory))
        {
            return entries;
        }

        foreach (var file in Directory.EnumerateFiles(_directory, "audit-*.jsonl").Order(StringComparer.Ordinal).Reverse())
        {
            foreach (var line in File.ReadAllLines(file).Reverse())
            {
                if (entries.Count == limit)
                {
                    return entries;
                }

                if (line.Length > 0 && JsonSerializer.Deserialize<AuditEntry>(line, Json) is { } entry)
                {
                    entries.Add(entry);
                }
            }
        }

        return entries;
    }

    public void Dispose() => _append.Dispose();

    private string FileOf(DateOnly day) => Path.Combine(_directory, $"audit-{day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}.jsonl");

    private void DeleteOlderThan(DateOnly oldest)
    {
        var keepFrom = Path.GetFileName(FileOf(oldest));
        foreach (var file in Directory.EnumerateFiles(_directory, "audit-*.jsonl"))
        {
            if (string.CompareOrdinal(Path.GetFileName(file), keepFrom) < 0)
            {
                File.Delete(file);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Who} ({Role}) {Method} {Path} -> {Status} from {Remote}")]
    private partial void LogChange(string who, string role, string method, string path, int status, string? remote);
}
