using System.CommandLine;
using IotAi.Grains.Hosting;
using IotAi.Models;

namespace IotAi.Cli;

/// <summary>Opens the model registry and keys of a data directory, as the silo that owns it does.</summary>
internal sealed class RegistryAccess
{
    private SiloConnection? _silo;

    public Option<DirectoryInfo> Data { get; } = new("--data")
    {
        Description = "The gateway's data directory (Gateway:DataDirectory)",
        DefaultValueFactory = _ => new DirectoryInfo(new GatewayOptions().DataDirectory),
    };

    public Option<FileInfo?> Key { get; } = new("--key") { Description = "A PEM file with the signing key (default: the data directory's own)" };

    public Option<string?> Url { get; } = new("--url") { Description = "A silo's HTTP address, e.g. http://localhost:8080: work through its model API instead of a data directory" };

    /// <summary>The silo at <see cref="Url"/>, called with <c>--api-key</c> or the admin key of <see cref="Data"/>.</summary>
    public SiloConnection Silo => _silo ??= new SiloConnection(Url, Data);

    public Option<string?> ApiKey => Silo.ApiKey;

    public (ModelKeyring Keys, ModelRegistry Registry) Open(ParseResult parse)
    {
        var gateway = new GatewayOptions { DataDirectory = parse.GetValue(Data)!.FullName };
        var keys = ModelKeyring.Load(new ModelSigningOptions { PrivateKeyFile = parse.GetValue(Key)?.FullName }, gateway.KeysDirectory);
        return (keys, new ModelRegistry(gateway.ModelsDirectory, keys.Trusted));
    }
}
