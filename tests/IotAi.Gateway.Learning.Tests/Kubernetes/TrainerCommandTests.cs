using System.Globalization;
using IotAi.Trainer;

namespace IotAi.Gateway.Learning.Tests.Kubernetes;

/// <summary>The trainer a Job runs refuses what it cannot do well, says why in its termination message, and exits non-zero.</summary>
public sealed class TrainerCommandTests : IDisposable
{
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("iotai-trainer-");

    public void Dispose() => _data.Delete(recursive: true);

    [Fact]
    public async Task A_data_directory_without_the_silos_key_is_refused_rather_than_signed_with_a_new_key()
    {
        var (exitCode, log, message) = await RunAsync("--data", _data.FullName, "--model", "sensor-anomaly", "--run-id", "nokey");

        Assert.Equal(TrainerCommand.Broken, exitCode);
        Assert.Contains("no signing key", message, StringComparison.Ordinal);
        Assert.Contains("no signing key", log, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_data.FullName, "keys")));
    }

    [Fact]
    public async Task A_model_the_registry_does_not_hold_is_refused()
    {
        var key = Path.Combine(_data.FullName, "key.pem");
        using (var signer = IotAi.Models.ModelSigner.Generate())
        {
            await File.WriteAllTextAsync(key, signer.ExportPrivateKeyPem());
        }

        var (exitCode, _, message) = await RunAsync("--data", _data.FullName, "--model", "no-such-model", "--run-id", "nomodel", "--signing-key", key);

        Assert.Equal(TrainerCommand.Broken, exitCode);
        Assert.Contains("no-such-model", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_run_is_one_span_of_the_trainers_tagged_with_its_model_and_run_id()
    {
        var key = Path.Combine(_data.FullName, "key.pem");
        using (var signer = IotAi.Models.ModelSigner.Generate())
        {
            await File.WriteAllTextAsync(key, signer.ExportPrivateKeyPem());
        }

        var spans = new System.Collections.Concurrent.ConcurrentBag<System.Diagnostics.Activity>();
        using var listener = new System.Diagnostics.ActivityListener
        {
            ShouldListenTo = static source => source.Name == TrainerTelemetry.SourceName,
            Sample = static (ref System.Diagnostics.ActivityCreationOptions<System.Diagnostics.ActivityContext> _) => System.Diagnostics.ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Add,
        };
        System.Diagnostics.ActivitySource.AddActivityListener(listener);

        await RunAsync("--data", _data.FullName, "--model", "no-such-model", "--run-id", "traced", "--signing-key", key);

        var span = Assert.Single(spans, static s => (string?)s.GetTagItem("iotai.training.run") == "traced");
        Assert.Equal("training run", span.DisplayName);
        Assert.Equal("no-such-model", span.GetTagItem("iotai.model"));
    }

    private async Task<(int ExitCode, string Log, string Message)> RunAsync(params string[] args)
    {
        var terminationLog = Path.Combine(_data.FullName, "termination-log");
        using var output = new StringWriter(CultureInfo.InvariantCulture);
        var exitCode = await TrainerCommand.Create(output).Parse([.. args, "--termination-log", terminationLog]).InvokeAsync();
        return (exitCode, output.ToString(), await File.ReadAllTextAsync(terminationLog));
    }
}
