using System.CommandLine;
using IotAi.Client;
using IotAi.Grains.Hosting;
using IotAi.Gateway.Http.Security;

namespace IotAi.Cli;

/// <summary>
/// Which silo a command talks to and as whom (<c>--url</c>, <c>--api-key</c>, <c>--data</c>), and the one place that
/// builds the <see cref="HttpClient"/> for it. The key is <c>--api-key</c>, else <c>IOTAI_API_KEY</c>, else, for a
/// silo on this machine, the admin key it generated into <c>{data}/keys/api-admin.key</c>.
/// </summary>
internal sealed class SiloConnection
{
    public const string DefaultUrl = "http://localhost:8080";
    public const string ApiKeyVariable = IotAiClient.ApiKeyVariable;

    /// <param name="url">A command's own <c>--url</c>, where null means something of its own; by default one that defaults to <see cref="DefaultUrl"/>.</param>
    /// <param name="data">A command's own <c>--data</c>; by default one that defaults to <c>.iotai</c>.</param>
    public SiloConnection(Option<string?>? url = null, Option<DirectoryInfo>? data = null)
    {
        Url = url ?? new Option<string?>("--url") { Description = "A silo's HTTP address", DefaultValueFactory = _ => DefaultUrl };
        Data = data ?? new Option<DirectoryInfo>("--data")
        {
            Description = "The silo's data directory (Gateway:DataDirectory): for a silo on this machine, its admin API key is used when no key is given",
            DefaultValueFactory = _ => new DirectoryInfo(new GatewayOptions().DataDirectory),
        };
    }

    public Option<string?> Url { get; }

    public Option<DirectoryInfo> Data { get; }

    public Option<string?> ApiKey { get; } = new("--api-key")
    {
        Description = $"The API key to call the silo with (default: ${ApiKeyVariable}; else, for a silo on this machine, the admin key in --data's keys/{ApiKeyStore.AdminKeyFileName})",
    };

    /// <summary>The options <paramref name="command"/> does not have yet.</summary>
    public void AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        foreach (var option in new Option[] { Url, ApiKey, Data }.Where(o => !command.Options.Contains(o)))
        {
            command.Options.Add(option);
        }
    }

    /// <summary>A client for the silo at <c>--url</c> (or <paramref name="url"/>), carrying the API key this parse finds.</summary>
    public HttpClient Connect(ParseResult parse, string? url = null, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(parse);
        var silo = new Uri(url ?? parse.GetValue(Url) ?? DefaultUrl);
        var key = FindApiKey(parse.GetValue(ApiKey), Environment.GetEnvironmentVariable(ApiKeyVariable), silo, parse.GetValue(Data)!.FullName);
        return Create(silo, key, timeout);
    }

    /// <summary>The typed client of the silo at <c>--url</c>, carrying the API key this parse finds.</summary>
    public IotAiClient Client(ParseResult parse, TimeSpan? timeout = null) => new(Connect(parse, timeout: timeout));

    /// <summary>Every client the CLI talks to a silo with is made here: the base address, and the key as a bearer token.</summary>
    public static HttpClient Create(Uri silo, string? apiKey, TimeSpan? timeout = null) => IotAiClient.CreateHttp(silo, apiKey, timeout);

    /// <summary>
    /// The key given (<c>--api-key</c>), else the environment's (<c>IOTAI_API_KEY</c>), else, only for a silo on this
    /// machine, the admin key it generated into <paramref name="dataDirectory"/>; a key for this machine never goes elsewhere.
    /// </summary>
    public static string? FindApiKey(string? given, string? environment, Uri silo, string dataDirectory)
    {
        ArgumentNullException.ThrowIfNull(silo);
        if (!string.IsNullOrWhiteSpace(given))
        {
            return given.Trim();
        }

        if (!string.IsNullOrWhiteSpace(environment))
        {
            return environment.Trim();
        }

        return silo.IsLoopback ? GeneratedAdminKey(dataDirectory) : null;
    }

    /// <summary>The admin key a silo generated into <paramref name="dataDirectory"/>, or null.</summary>
    public static string? GeneratedAdminKey(string dataDirectory)
    {
        var file = Path.Combine(new GatewayOptions { DataDirectory = dataDirectory }.KeysDirectory, ApiKeyStore.AdminKeyFileName);
        return File.Exists(file) ? File.ReadAllText(file).Trim() : null;
    }
}
