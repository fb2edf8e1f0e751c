using IotAi.Models;
using System.Collections.Frozen;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace IotAi.Gateway.Http.Security;

/// <summary>
/// The API keys a silo accepts, by hash: those configured (<c>Security:Api:Keys</c>), those an admin made through
/// <c>/api/keys</c> (hashes in <c>{data}/keys/api-keys.json</c>, shared by the silos on one volume), and, with none
/// configured, the admin key generated into <c>{data}/keys/api-admin.key</c>. No key is ever held or logged, only its
/// hash and name.
/// </summary>
public sealed partial class ApiKeyStore
{
    public const string AdminKeyFileName = DataLayout.AdminApiKeyFileName;
    public const string KeysFileName = "api-keys.json";
    public const string AdminKeyName = "admin";

    private static readonly TimeSpan RecheckFileEvery = TimeSpan.FromSeconds(1);
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    private readonly string _directory;
    private readonly ApiSecurityOptions _options;
    private readonly ILogger<ApiKeyStore> _logger;
    private readonly TimeProvider _clock;
    private readonly Lock _gate = new();
    private readonly FrozenDictionary<string, ApiKey> _fixed;
    private volatile Snapshot _file = new(FrozenDictionary<string, ApiKey>.Empty, DateTime.MinValue, DateTimeOffset.MinValue);

    public ApiKeyStore(string keysDirectory, IOptions<ApiSecurityOptions> options, ILogger<ApiKeyStore> logger, TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(options);
        _directory = keysDirectory;
        _options = options.Value;
        _logger = logger;
        _clock = clock;
        _fixed = FixedKeys().ToFrozenDictionary(static k => k.Hash, StringComparer.Ordinal);
    }

    private string KeysFile => Path.Combine(_directory, KeysFileName);

    /// <summary>The key whose hash matches <paramref name="presented"/>, or null.</summary>
    public ApiKey? Find(string presented)
    {
        var hash = ApiKeyHash.Of(presented);
        return _fixed.GetValueOrDefault(hash) ?? Current().Keys.GetValueOrDefault(hash);
    }

    /// <summary>Every key's name, role and where it comes from; never a hash.</summary>
    public IReadOnlyList<ApiKey> List() => [.. _fixed.Values.Concat(Current().Keys.Values).OrderBy(static k => k.Name, StringComparer.Ordinal)];

    /// <summary>Makes a key, keeps its hash in the keys file and returns the key, the only time it is seen.</summary>
    public (ApiKey Key, string Secret) Create(string name, string role)
    {
        if (!IsValidName(name))
        {
            throw new ArgumentException($"'{name}' is not a key name: 1 to 64 letters, digits, '-', '_' or '.'");
        }

        if (!ApiRoles.IsRole(role))
        {
            throw new ArgumentException($"'{role}' is not a role: {string.Join(", ", ApiRoles.All)}");
        }

        var secret = ApiKeyHash.NewKey();
        var key = new ApiKey(name, role, ApiKeySource.KeysFile, ApiKeyHash.Of(secret));
        lock (_gate)
        {
            var keys = ReadKeysFile();
            if (keys.Values.Any(k => k.Name == name) || _fixed.Values.Any(k => k.Name == name))
            {
                throw new InvalidOperationException($"there is a key named '{name}' already");
            }

            keys[key.Hash] = key;
            WriteKeysFile(keys);
        }

        return (key, secret);
    }

    /// <summary>Revokes a key made through the API; configured and generated keys are changed where they are kept.</summary>
    public bool Delete(string name)
    {
        if (_fixed.Values.FirstOrDefault(k => k.Name == name) is { } kept)
        {
            throw new InvalidOperationException(kept.Source == ApiKeySource.Configuration
                ? $"'{name}' is configured (Security:Api:Keys:{name}): remove it there"
                : $"'{name}' is the generated admin key: configure Security:Api:Keys, or delete {AdminKeyFileName} while the silo is stopped");
        }

        lock (_gate)
        {
            var keys = ReadKeysFile();
            if (keys.FirstOrDefault(k => k.Value.Name == name) is not { Value: not null } found)
            {
                return false;
            }

            keys.Remove(found.Key);
            WriteKeysFile(keys);
            return true;
        }
    }

    private IEnumerable<ApiKey> FixedKeys()
    {
        foreach (var (name, key) in _options.Keys)
        {
            yield return new ApiKey(name, key.Role!, ApiKeySource.Configuration, key.Hash!.ToLowerInvariant());
        }

        if (_options.Keys.Count == 0 && _options.GenerateAdminKey)
        {
            var path = Path.Combine(_directory, AdminKeyFileName);
            var secret = SecretFile.ReadOrCreate(path, ApiKeyHash.NewKey, out var created);
            if (created)
            {
                LogAdminKeyGenerated(path);
            }
            else
            {
                LogAdminKeyRead(path);
            }

            yield return new ApiKey(AdminKeyName, ApiRoles.Admin, ApiKeySource.Generated, ApiKeyHash.Of(secret));
        }
    }

    /// <summary>The keys file as last read, read again when it changed (another silo may write it) and a second has passed.</summary>
    private Snapshot Current()
    {
        var snapshot = _file;
        var now = _clock.GetUtcNow();
        if (now - snapshot.CheckedAt < RecheckFileEvery)
        {
            return snapshot;
        }

        var written = File.GetLastWriteTimeUtc(KeysFile);
        if (written != snapshot.Written)
        {
            lock (_gate)
            {
                snapshot = new Snapshot(ReadKeysFile().ToFrozenDictionary(StringComparer.Ordinal), written, now);
            }
        }
        else
        {
            snapshot = snapshot with { CheckedAt = now };
        }

        _file = snapshot;
        return snapshot;
    }

    private Dictionary<string, ApiKey> ReadKeysFile()
    {
        if (!File.Exists(KeysFile))
        {
            return new(StringComparer.Ordinal);
        }

        var stored = JsonSerializer.Deserialize<Dictionary<string, ApiKeyOptions>>(File.ReadAllText(KeysFile), Json) ?? [];
        return stored.Where(static k => ApiKeyHash.IsHash(k.Value.Hash) && ApiRoles.IsRole(k.Value.Role))
            .Select(static k => new ApiKey(k.Key, k.Value.Role!, ApiKeySource.KeysFile, k.Value.Hash!.ToLowerInvariant()))
            .ToDictionary(static k => k.Hash, StringComparer.Ordinal);
    }

    private void WriteKeysFile(Dictionary<string, ApiKey> keys)
    {
        var stored = keys.Values.OrderBy(static k => k.Name, StringComparer.Ordinal).ToDictionary(static k => k.Name, static k => new ApiKeyOptions { Hash = k.Hash, Role = k.Role });
        SecretFile.Replace(KeysFile, JsonSerializer.Serialize(stored, Json));
        // This silo's next lookup sees the change at once, not after a second.
        _file = new Snapshot(keys.ToFrozenDictionary(StringComparer.Ordinal), File.GetLastWriteTimeUtc(KeysFile), _clock.GetUtcNow());
    }

    private static bool IsValidName(string name) =>
        name.Length is > 0 and <= 64 && name.All(static c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');

    [LoggerMessage(Level = LogLevel.Information, Message = "Generated an admin API key into {Path} (readable by its owner only). Give it to the CLI with --api-key or IOTAI_API_KEY; on this machine the CLI reads it from there itself")]
    private partial void LogAdminKeyGenerated(string path);

    [LoggerMessage(Level = LogLevel.Information, Message = "The admin API key is in {Path}")]
    private partial void LogAdminKeyRead(string path);

    private sealed record Snapshot(FrozenDictionary<string, ApiKey> Keys, DateTime Written, DateTimeOffset CheckedAt);
}

/// <summary>An API key as the silo knows it: a name, a role, where it is kept, and the hash of the key.</summary>
public sealed record ApiKey(string Name, string Role, ApiKeySource Source, [property: System.Text.Json.Serialization.JsonIgnore] string Hash);

public enum ApiKeySource
{
    Configuration,
    KeysFile,
    Generated,
}
