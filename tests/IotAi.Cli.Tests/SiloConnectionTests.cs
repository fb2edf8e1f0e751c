using System.CommandLine;
using IotAi.Gateway.Http.Security;

namespace IotAi.Cli.Tests;

/// <summary>Which API key a command calls a silo with: --api-key, then IOTAI_API_KEY, then, for a silo on this machine only, the admin key in the data directory.</summary>
public sealed class SiloConnectionTests : IDisposable
{
    private static readonly Uri Local = new("http://localhost:8080");
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("iotai-cli-keys-");

    private string Generated => WriteGeneratedKey("iotai_generated");

    [Fact]
    public void A_given_key_comes_before_the_environment_and_the_generated_key()
    {
        Assert.Equal("iotai_given", SiloConnection.FindApiKey(" iotai_given ", "iotai_env", Local, _data.FullName));
    }

    [Fact]
    public void The_environment_comes_before_the_generated_key()
    {
        _ = Generated;

        Assert.Equal("iotai_env", SiloConnection.FindApiKey(null, "iotai_env", Local, _data.FullName));
    }

    [Theory]
    [InlineData("http://localhost:8080")]
    [InlineData("http://127.0.0.1:18080")]
    [InlineData("http://[::1]:8080")]
    public void With_neither_a_silo_on_this_machine_is_called_with_the_admin_key_it_generated(string url)
    {
        Assert.Equal(Generated, SiloConnection.FindApiKey(null, " ", new Uri(url), _data.FullName));
    }

    [Fact]
    public void The_generated_key_never_goes_to_a_silo_elsewhere()
    {
        _ = Generated;

        Assert.Null(SiloConnection.FindApiKey(null, null, new Uri("http://gateway.example:8080"), _data.FullName));
    }

    [Fact]
    public void Without_any_key_a_command_calls_without_credentials()
    {
        Assert.Null(SiloConnection.FindApiKey(null, null, Local, _data.FullName));
    }

    [Fact]
    public void A_command_s_client_carries_the_key_as_a_bearer_token_to_the_url_given()
    {
        var silo = new SiloConnection();
        var command = new Command("probe");
        silo.AddTo(command);

        using var http = silo.Connect(command.Parse(["--url", "http://127.0.0.1:9", "--api-key", "iotai_given", "--data", _data.FullName]));

        Assert.Equal(new Uri("http://127.0.0.1:9"), http.BaseAddress);
        Assert.Equal(("Bearer", "iotai_given"), (http.DefaultRequestHeaders.Authorization?.Scheme, http.DefaultRequestHeaders.Authorization?.Parameter));
    }

    [Theory]
    [InlineData("devices show pump-7 --api-key k --data d --url http://x")]
    [InlineData("rollouts abort r1 --api-key k --data d")]
    [InlineData("samples label pump-7.1 anomaly --api-key k")]
    [InlineData("models list --url http://x --api-key k")]
    [InlineData("train --model sensor-anomaly --api-key k --data d")]
    public void Every_command_that_talks_to_a_silo_takes_an_api_key(string args)
    {
        var root = new RootCommand { DevicesCommand.Create(), RolloutsCommand.Create(), SamplesCommand.Create(), ModelsCommand.Create(), TrainCommand.Create() };

        Assert.Empty(root.Parse(args.Split(' ')).Errors);
    }

    public void Dispose() => _data.Delete(recursive: true);

    private string WriteGeneratedKey(string key)
    {
        var keys = Directory.CreateDirectory(Path.Combine(_data.FullName, "keys"));
        File.WriteAllText(Path.Combine(keys.FullName, ApiKeyStore.AdminKeyFileName), key + "\n");
        return key;
    }
}
