using System.Globalization;
using System.Text.Json;
using IotAi.Models;
using IotAi.Protocol;
using Microsoft.Extensions.Logging;

namespace IotAi.Edge.Models;

/// <summary>
/// The keys this device trusts for models: its configured <see cref="EdgeAgentOptions.TrustedKeyFiles"/>, the root of
/// trust that always stays, plus the newest key set the cloud pushed on <c>down/keys</c> that verified against the
/// keys trusted when it came. Adopting a set changes <see cref="Trusted"/> in place, so the model updater and runtime
/// accept models signed by its keys at once. Adopted sets stay on disk and are replayed in order on start from the
/// configured keys alone, so each is checked again by the key that vouched for it: a set that someone merely wrote
/// into the data directory is not trusted.
/// </summary>
public sealed partial class TrustedKeyStore
{
    private const string FilePrefix = "key-set-";

    private readonly Lock _lock = new();
    private readonly HashSet<string> _roots = new(StringComparer.Ordinal);
    private readonly string _directory;
    private readonly string _deviceId;
    private readonly ILogger _logger;
    private long _version;

    public TrustedKeyStore(EdgeAgentOptions options, ILogger<TrustedKeyStore> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _deviceId = options.DeviceId;
        _logger = logger;
        _directory = Path.Combine(options.DataDirectory, options.DeviceId, "keys");
        foreach (var file in options.TrustedKeyFiles)
        {
            _roots.Add(Trusted.Add(File.ReadAllText(file)));
        }

        foreach (var file in StoredSets())
        {
            try
            {
                var message = JsonSerializer.Deserialize(File.ReadAllBytes(file), ProtocolJson.Wire.SignedKeySet) ?? throw new InvalidDataException("the file holds JSON null");
                if (Check(message) is { } set)
                {
                    Apply(set);
                }
            }
            catch (Exception ex) when (ex is InvalidDataException or JsonException or IOException)
            {
                LogStoredSetRefused(_deviceId, file, ex.Message);
            }
        }
    }

    /// <summary>Raised after a newer key set was adopted.</summary>
    public event EventHandler? Changed;

    /// <summary>The keys trusted now; the same instance for the agent's whole life.</summary>
    public TrustedKeys Trusted { get; } = new();

    /// <summary>The version of the key set adopted last; 0 before any.</summary>
    public long Version => Volatile.Read(ref _version);

    /// <summary>
    /// Adopts <paramref name="message"/> if a trusted key signed it and it is newer than the set held; refuses and logs
    /// anything else, and the trust stays as it was. A repeat of the set held, which comes on every connect, is ignored.
    /// </summary>
    public bool Offer(SignedKeySet message)
    {
        ArgumentNullException.ThrowIfNull(message);
        TrustedKeySet? set;
        lock (_lock)
        {
            try
            {
                set = Check(message);
                if (set is null)
                {
                    return false;
                }

                Persist(set.Version, message);
            }
            catch (Exception ex) when (ex is InvalidDataException or IOException or UnauthorizedAccessException)
            {
                LogRefused(_deviceId, ex.Message);
                return false;
            }

            Apply(set);
        }

        var keyIds = string.Join(", ", set.KeyIds);
        LogAdopted(_deviceId, set.Version, keyIds, message.KeyId);
        Changed?.Invoke(this, EventArgs.Empty);
        return true;
    }

    /// <summary>The set if it verifies and is newer than the one held; null for the one held; throws for anything else.</summary>
    private TrustedKeySet? Check(SignedKeySet message)
    {
        var set = TrustedKeySet.Open(message, Trusted);
        if (set.Version < Version)
        {
            throw new InvalidDataException($"Key set refused: version {set.Version} is older than version {Version}, which this device holds.");
        }

        return set.Version == Version ? null : set;
    }

    /// <summary>Trusts exactly the configured keys and those of <paramref name="set"/>; keys of an earlier set that it leaves out are no longer trusted.</summary>
    private void Apply(TrustedKeySet set)
    {
        var keep = new HashSet<string>(_roots, StringComparer.Ordinal);
        foreach (var key in set.Keys)
        {
            keep.Add(Trusted.Add(key.PublicKeyPem));
        }

        foreach (var id in Trusted.KeyIds.Where(id => !keep.Contains(id)))
        {
            Trusted.Remove(id);
        }

        Volatile.Write(ref _version, set.Version);
    }

    /// <summary>Written whole and then moved into place, so a crash leaves the set or nothing.</summary>
    private void Persist(long version, SignedKeySet message)
    {
        Directory.CreateDirectory(_directory);
        var path = Path.Combine(_directory, string.Create(CultureInfo.InvariantCulture, $"{FilePrefix}{version:D19}.json"));
        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        File.WriteAllBytes(temporary, JsonSerializer.SerializeToUtf8Bytes(message, ProtocolJson.Wire.SignedKeySet));
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>The adopted sets, oldest first: the zero-padded version orders them by name.</summary>
    private IEnumerable<string> StoredSets() => Directory.Exists(_directory)
        ? Directory.EnumerateFiles(_directory, $"{FilePrefix}*.json").Order(StringComparer.Ordinal)
        : [];

    [LoggerMessage(Level = LogLevel.Information, Message = "Device {DeviceId} now trusts model key set version {Version}: keys {KeyIds}, signed by {SignedBy}")]
    private partial void LogAdopted(string deviceId, long version, string keyIds, string signedBy);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Device {DeviceId} refused a model key set and keeps the keys it trusts: {Reason}")]
    private partial void LogRefused(string deviceId, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Device {DeviceId} does not trust the stored model key set {File}: {Reason}")]
    private partial void LogStoredSetRefused(string deviceId, string file, string reason);
}
