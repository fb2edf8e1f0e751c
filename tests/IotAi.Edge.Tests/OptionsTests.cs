using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace IotAi.Edge.Tests;

public sealed class OptionsTests
{
    [Theory]
    [InlineData("bad/id")]
    [InlineData("has space")]
    [InlineData("")]
    public async Task The_host_refuses_to_start_with_an_invalid_device_id(string deviceId)
    {
        // Port 1 is never dialled: validation runs before the agent starts.
        await using var agent = AgentHost.Create(1, deviceId);

        var failure = await Assert.ThrowsAsync<OptionsValidationException>(agent.StartAsync);
        Assert.Contains(failure.Failures, f => f.Contains("DeviceId", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("1.5")]
    [InlineData("-0.1")]
    public async Task The_host_refuses_to_start_with_a_trace_sample_ratio_outside_0_to_1(string ratio)
    {
        await using var agent = AgentHost.Create(1, AgentHost.NewDeviceId("ratio"), new Dictionary<string, string?> { ["TraceSampleRatio"] = ratio });

        var failure = await Assert.ThrowsAsync<OptionsValidationException>(agent.StartAsync);
        Assert.Contains(failure.Failures, f => f.Contains("TraceSampleRatio", StringComparison.Ordinal));
    }

    [Fact]
    public void Naming_jsonl_without_a_path_is_refused()
    {
        var options = new EdgeAgentOptions { DeviceId = "dev-1", Sources = ["jsonl"] };

        var result = new EdgeAgentOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
    }

    [Fact]
    public async Task Configured_sources_replace_the_defaults_and_a_path_adds_jsonl_to_them()
    {
        Assert.Equal(["camera"], (await OptionsForAsync(new() { ["Sources:0"] = "camera" })).ActiveSources);
        Assert.Equal(["sensor", "camera"], (await OptionsForAsync([])).ActiveSources);
        Assert.Equal(["sensor", "camera", "jsonl"], (await OptionsForAsync(new() { ["JsonLinesPath"] = "-" })).ActiveSources);
    }

    [Fact]
    public void The_default_seed_is_the_same_for_the_same_device()
    {
        var a = new EdgeAgentOptions { DeviceId = "dev-1" };
        var b = new EdgeAgentOptions { DeviceId = "dev-1" };
        var c = new EdgeAgentOptions { DeviceId = "dev-2" };

        Assert.Equal(a.EffectiveSeed, b.EffectiveSeed);
        Assert.NotEqual(a.EffectiveSeed, c.EffectiveSeed);
        Assert.Equal(5, new EdgeAgentOptions { DeviceId = "dev-1", Seed = 5 }.EffectiveSeed);
    }

    private static async Task<EdgeAgentOptions> OptionsForAsync(Dictionary<string, string?> settings)
    {
        await using var host = AgentHost.Create(1, "dev-1", settings);
        return host.Services.GetRequiredService<IOptions<EdgeAgentOptions>>().Value;
    }

    [Fact]
    public void The_connection_lets_a_whole_model_chunk_into_its_socket_at_once()
    {
        // MQTTnet's own default is 8 KiB a buffer, which fixes the socket there: a 64 KiB chunk then needs eight round trips.
        var options = EdgeConnection.ClientOptions(new EdgeAgentOptions { DeviceId = "dev-1" });

        var tcp = Assert.IsType<MQTTnet.MqttClientTcpOptions>(options.ChannelOptions);
        Assert.True(tcp.BufferSize >= 2 * 64 * 1024, $"socket buffers of {tcp.BufferSize} B");
    }
}
