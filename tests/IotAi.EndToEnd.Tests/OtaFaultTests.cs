using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using IotAi.Grains;
using IotAi.Models;
using IotAi.Protocol;
using IotAi.Synthetic;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace IotAi.EndToEnd.Tests;

/// <summary>
/// Model updates over the air under the faults a device meets, with the real <c>iotai-edge</c> program in a process of
/// its own, connected through a link the test controls: the agent killed in the middle of a download, its connection
/// cut there, a chunk damaged on its way, a model whose bytes are not the ones signed. Chunks are counted where this
/// test's silo serves them (its <c>iotai.ota.chunks</c>), and the agent's answers are checked against what each version
/// gives for the reading it answers.
/// </summary>
public sealed class OtaFaultTests(ITestOutputHelper output) : IAsyncLifetime, IDisposable
{
    /// <summary>The silo's chunk size here: a model of tens of KB travels in tens of chunks.</summary>
    private const int ChunkSize = 1024;

    /// <summary>Chunks that reach the agent before the link holds the rest; mid-window, as the agent asks for 8 at a time.</summary>
    private const int HeldAfter = 20;

    /// <summary>An agent's patience with chunks on their way where the link loses none: longer than any test here waits.</summary>
    private static readonly TimeSpan Patient = TimeSpan.FromMinutes(2);

    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    /// <summary>Version 1 of every model here; its anomaly logit is about -1 for a normal reading.</summary>
    private static readonly SensorClassifier First = SensorClassifier.Of([0.25f, 5f, 0.3f], -16.75f, kilobytes: 40, seed: 1);

    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("iotai-ota-faults-");
    private readonly Dictionary<DateTimeOffset, SensorSample> _readings = [];
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private GatewayHost _silo = null!;
    private ScopedMeasurements _served = null!;
    private string _trust = "";
    private string _csv = "";

    public async Task InitializeAsync()
    {
        _silo = await GatewayHost.StartAsync(Path.Combine(_data.FullName, "silo"), new Dictionary<string, string?>
        {
            ["Models:Ota:ChunkSize"] = ChunkSize.ToString(CultureInfo.InvariantCulture),
        });
        Directory.CreateDirectory(Path.Combine(_data.FullName, "edge"));
        // Counts the chunks this test's silo sends, and no other silo in the process.
        _served = new ScopedMeasurements(_silo.Services.GetRequiredService<IMeterFactory>(), "iotai.ota.chunks");
        _trust = Path.Combine(_data.FullName, "silo.pub.pem");
        await File.WriteAllTextAsync(_trust, Signer.ExportPublicKeyPem());

        // The readings the agents answer, 20 a second for longer than any test here runs, each known by its time.
        var start = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        var readings = LabelledReadings.Of(3000, drift: 0, seed: 23, start).ToList();
        readings.ForEach(r => _readings[r.Timestamp] = r);
        _csv = Path.Combine(_data.FullName, "readings.csv");
        LabelledReadings.WriteCsv(_csv, readings, ["ts", "temperature", "vibration", "current"]);
    }

    public async Task DisposeAsync()
    {
        await _silo.DisposeAsync();
        _data.Delete(recursive: true);
    }

    public void Dispose() => _served.Dispose();

    [Fact]
    public async Task An_agent_killed_mid_download_fetches_only_the_chunks_it_had_not_stored_once_restarted()
    {
        var (model, deviceId, grain) = Prepare("ota-kill", ("1", First));
        await using var link = FaultyLink.Start(_silo.MqttPort);
        using (var agent = StartAgent(deviceId, link.Port))
        {
            await DownloadUntilHeldAsync(link, agent, grain, model);
            await agent.KillAsync();
        }

        // What survived the kill is what the agent had on disk; the silo hears the connection go, and counts from here.
        var stored = Staged(deviceId, model.Sha256);
        await GoneAsync(grain);
        var (servedBefore, askedBefore) = (Served(model.Name), link.Asked.Count);
        link.Release();
        using var restarted = StartAgent(deviceId, link.Port);
        await RunsAsSignedAsync(restarted, grain, model);
        var servedAfter = Served(model.Name) - servedBefore;
        Report("SIGKILL mid-download", model.Chunks, stored.Count, servedBefore, servedAfter, _clock.Elapsed);

        Assert.Equal(HeldAfter, stored.Count);
        Assert.Equal(model.Chunks - stored.Count, servedAfter);
        Assert.Equal(Missing(model, stored), link.Asked.Skip(askedBefore).ToHashSet());
    }

    [Fact]
    public async Task A_connection_cut_mid_download_resumes_with_only_the_missing_chunks()
    {
        var (model, deviceId, grain) = Prepare("ota-cut", ("1", First));
        await using var link = FaultyLink.Start(_silo.MqttPort);
        using var agent = StartAgent(deviceId, link.Port);
        await DownloadUntilHeldAsync(link, agent, grain, model);

        // The path breaks with chunks on it; the agent, still running, comes back once the silo has seen it go.
        link.Cut();
        var stored = Staged(deviceId, model.Sha256);
        await GoneAsync(grain);
        var (servedBefore, askedBefore, deliveredBefore) = (Served(model.Name), link.Asked.Count, link.Delivered.Count);
        link.Restore();
        await RunsAsSignedAsync(agent, grain, model);
        var servedAfter = Served(model.Name) - servedBefore;
        var asked = link.Asked.Skip(askedBefore).ToHashSet();
        var delivered = link.Delivered.Skip(deliveredBefore).ToHashSet();
        // Chunks the silo sent and the link lost, and those whose acknowledgement the cut lost, are still owed by the
        // device's MQTT session (QoS 1, no clean start), which delivers them again unasked; the agent keeps the ones it lacks.
        var fromSession = delivered.Except(asked).Except(stored).Count();
        Report($"connection cut mid-download ({fromSession} more from the MQTT session, {delivered.Intersect(stored).Count()} it had again)",
            model.Chunks, stored.Count, servedBefore, servedAfter, _clock.Elapsed);

        Assert.Equal(HeldAfter, stored.Count);
        Assert.Empty(asked.Intersect(stored));
        Assert.Equal(model.Chunks - stored.Count, servedAfter + fromSession);
        Assert.Superset(Missing(model, stored), delivered);
    }

    [Fact]
    public async Task A_chunk_damaged_on_its_way_is_fetched_again_and_only_the_signed_model_runs()
    {
        // The link loses nothing here, so the agent's patience is long: on a loaded machine a window slower than the
        // default 5 s would be asked for again, and the count below would measure the machine, not the resend.
        var update = await UpdateThroughAsync("ota-damaged", "chunk damaged in transit", static link => link.CorruptChunk(HeldAfter), Patient);

        // Which chunk was damaged the file's hash cannot say, so the whole file came again, once.
        Assert.Equal(1, update.Damaged);
        Assert.Equal(2 * update.Chunks, update.Served);
    }

    [Fact]
    public async Task A_chunk_lost_on_its_way_with_the_connection_up_is_asked_for_again_alone()
    {
        var update = await UpdateThroughAsync("ota-lost", "chunk lost in transit, connection up", static link => link.LoseChunk(HeldAfter), ModelTransfer.DefaultStaleAfter);

        // Nothing tells the agent or the silo, and MQTT resends only on a new connection: the agent asks again, for that chunk alone.
        Assert.Equal(1, update.Damaged);
        Assert.Equal(update.Chunks + 1, update.Served);
        Assert.Equal(2, update.Asked.Count(static i => i == HeldAfter));
        Assert.Equal(update.Chunks + 1, update.Asked.Count);
    }

    [Fact]
    public async Task A_model_whose_bytes_are_not_the_signed_ones_never_runs_and_the_previous_version_answers_throughout()
    {
        // Version 2 answers the other way round; the file the silo holds for it is a third model, of the same length.
        var second = First with { Weights = [.. First.Weights.Select(static w => -w)], Bias = -First.Bias };
        var (model, deviceId, grain) = Prepare("ota-tampered", ("1", First), ("2", second));
        var tampered = (second with { Bias = 0 }).ToOnnx();
        var blob = Registry.Find(model.Name, "2")!.BlobPath;
        Assert.Equal(new FileInfo(blob).Length, tampered.Length);
        await File.WriteAllBytesAsync(blob, tampered);
        var secondSha = Registry.Find(model.Name, "2")!.Manifest.Sha256!;
        await using var link = FaultyLink.Start(_silo.MqttPort);
        using var agent = StartAgent(deviceId, link.Port, Patient);
        await ConnectedAsync(grain, agent);
        await grain.OfferModelAsync(model.Name, "1");
        await RunsAsSignedAsync(agent, grain, model);
        var servedBefore = Served(model.Name);

        // During the download (held a while after its first chunks) and after its failure, version 1 answers every reading.
        var held = link.HoldChunksAfter(3);
        await grain.OfferModelAsync(model.Name, "2");
        await held.WaitAsync(Deadline);
        await AnsweredAsync(agent, model.Name, "1", count: Answers(agent, model.Name).Count + 20);
        link.Release();
        await Eventually.TrueAsync(async () =>
        {
            var update = (await grain.GetTwinAsync()).ModelUpdates.GetValueOrDefault(model.Name);
            Assert.False(update is { State: ModelUpdateStates.Active, Version: "2" }, "the altered version runs");
            return update is { State: ModelUpdateStates.Failed, Version: "2" };
        }, () => $"the update to altered bytes did not fail; the agent logged:\n{agent.ErrorTail}", seconds: 60);
        await AnsweredAsync(agent, model.Name, "1", count: Answers(agent, model.Name).Count + 20);
        var servedAfter = Served(model.Name) - servedBefore;
        Report("model altered from the start", model.Chunks, 0, 0, servedAfter, _clock.Elapsed);

        Assert.Contains("altered", (await grain.GetTwinAsync()).ModelUpdates[model.Name].Reason, StringComparison.Ordinal);
        AssertAnswers(agent, model.Name, ("1", First));
        // Fetched twice, in case a chunk was damaged on the way, then given up, kept nowhere. The agent's patience
        // outlasts the link's hold, so nothing was asked for a third time.
        Assert.Equal(2 * model.Chunks, servedAfter);
        var store = Path.Combine(Models(deviceId), model.Name);
        Assert.Equal("1", await File.ReadAllTextAsync(Path.Combine(store, "current")));
        Assert.False(Directory.Exists(Path.Combine(store, "2")), "the altered version was kept");
        Assert.False(Directory.Exists(Path.Combine(Models(deviceId), "staging", secondSha)), "the altered download was kept");
    }

    private ModelRegistry Registry => _silo.Services.GetRequiredService<ModelRegistry>();

    private ModelSigner Signer => _silo.Services.GetRequiredService<ModelKeyring>().Signer;

    /// <summary>Registers the versions under a name of their own (what the first weighs in chunks is the transfer's size), for a device of its own.</summary>
    private (RegisteredTestModel Model, string DeviceId, IDeviceGrain Grain) Prepare(string prefix, params (string Version, SensorClassifier Classifier)[] versions)
    {
        var name = $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];
        RegisteredModel? first = null;
        foreach (var (version, classifier) in versions)
        {
            var registered = Registry.Import(ModelPackage.Create(SensorClassifier.Manifest(name, version), classifier.ToOnnx(), Signer));
            first ??= registered;
        }

        var size = new FileInfo(first!.BlobPath).Length;
        var deviceId = $"{prefix}-{Guid.NewGuid():N}";
        return (new RegisteredTestModel(name, first.Manifest.Sha256!, (int)((size + ChunkSize - 1) / ChunkSize)), deviceId, _silo.Grains.GetGrain<IDeviceGrain>(deviceId));
    }

    /// <summary>An agent that replays the readings 20 a second, answers each with its own model and sends the cloud none it answered.</summary>
    private AgentProcess StartAgent(string deviceId, int port, TimeSpan? retryAfter = null) => AgentProcess.Start(port, deviceId, Path.Combine(_data.FullName, "edge"), new Dictionary<string, string>
    {
        ["FetchRetryAfter"] = (retryAfter ?? ModelTransfer.DefaultStaleAfter).ToString("c", CultureInfo.InvariantCulture),
        ["Sources:0"] = "csv",
        ["CsvPath"] = _csv,
        ["CsvInterval"] = "00:00:00.050",
        ["Capture"] = "Hard",
        ["ConfidenceThreshold"] = "0",
        ["TrustedKeyFiles:0"] = _trust,
        ["FetchWindow"] = "8",
        ["ReconnectDelay"] = "00:00:00.200",
        ["MaxReconnectDelay"] = "00:00:01",
    });

    /// <summary>
    /// Offers version 1 to an agent behind a link that <paramref name="damage"/> sets to damage or lose a chunk, and
    /// waits for it to run as signed; returns the file's chunks, those served, those damaged and the indexes asked for.
    /// </summary>
    private async Task<(int Chunks, long Served, int Damaged, IReadOnlyList<int> Asked)> UpdateThroughAsync(string prefix, string fault, Action<FaultyLink> damage, TimeSpan retryAfter)
    {
        var (model, deviceId, grain) = Prepare(prefix, ("1", First));
        await using var link = FaultyLink.Start(_silo.MqttPort);
        damage(link);
        using var agent = StartAgent(deviceId, link.Port, retryAfter);
        await ConnectedAsync(grain, agent);
        await grain.OfferModelAsync(model.Name, "1");
        await RunsAsSignedAsync(agent, grain, model);
        var served = Served(model.Name);
        Report(fault, model.Chunks, 0, 0, served, _clock.Elapsed);
        return (model.Chunks, served, link.ChunksDamaged, link.Asked);
    }

    /// <summary>Offers the model and waits until the link holds the rest of it and the agent has stored what came before.</summary>
    private async Task DownloadUntilHeldAsync(FaultyLink link, AgentProcess agent, IDeviceGrain grain, RegisteredTestModel model)
    {
        await ConnectedAsync(grain, agent);
        var held = link.HoldChunksAfter(HeldAfter);
        await grain.OfferModelAsync(model.Name, "1");
        await held.WaitAsync(Deadline);
        var deviceId = grain.GetPrimaryKeyString();
        await Eventually.TrueAsync(() => Task.FromResult(Staged(deviceId, model.Sha256).Count == HeldAfter),
            () => $"the agent did not store the {HeldAfter} chunks that reached it; it logged:\n{agent.ErrorTail}", seconds: 30);
    }

    /// <summary>Waits for the silo to see the device's connection go: from then on, what it serves is served after the fault.</summary>
    private static async Task GoneAsync(IDeviceGrain grain) =>
        await Eventually.TrueAsync(async () => !(await grain.GetTwinAsync()).Connected, "the silo did not see the connection go", seconds: 30);

    private static async Task ConnectedAsync(IDeviceGrain grain, AgentProcess agent) =>
        await Eventually.TrueAsync(async () => (await grain.GetTwinAsync()).Connected, () => $"the agent did not connect; it logged:\n{agent.ErrorTail}", seconds: 30);

    /// <summary>Waits for the agent to report the version active; fails at once if it reports the update failed.</summary>
    private static async Task ActiveAsync(IDeviceGrain grain, string name, string version, AgentProcess agent)
    {
        ModelUpdate? update = null;
        await Eventually.TrueAsync(async () =>
        {
            update = (await grain.GetTwinAsync()).ModelUpdates.GetValueOrDefault(name);
            Assert.False(update is { State: ModelUpdateStates.Failed } && update.Version == version, $"the update failed: {update?.Reason}");
            return update is { State: ModelUpdateStates.Active } && update.Version == version;
        }, () => $"version {version} did not become active ({update?.State}); the agent logged:\n{agent.ErrorTail}", seconds: 60);
    }

    private static async Task AnsweredAsync(AgentProcess agent, string name, string version, int count) =>
        await Eventually.TrueAsync(() => Task.FromResult(Answers(agent, name).Count(a => a.Version == version) >= count),
            () => $"the agent did not answer {count} readings with version {version}; it logged:\n{agent.ErrorTail}", seconds: 30);

    /// <summary>Every answer the agent gave with the model is the one the version it names gives for that reading, and names <paramref name="expected"/>.</summary>
    private void AssertAnswers(AgentProcess agent, string name, (string Version, SensorClassifier Classifier) expected)
    {
        var answers = Answers(agent, name);
        Assert.NotEmpty(answers);
        Assert.All(answers, answer =>
        {
            Assert.Equal(expected.Version, answer.Version);
            var (label, confidence) = expected.Classifier.Answer(_readings[answer.Timestamp]);
            Assert.Equal(label, answer.Label);
            Assert.Equal(confidence, answer.Confidence, 0.0001f);
        });
    }

    /// <summary>The agent's own answers with this model, read from its standard output.</summary>
    private static List<LocalAnswer> Answers(AgentProcess agent, string name) =>
        [.. agent.Output.Where(static l => l.StartsWith('{')).Select(static l => JsonDocument.Parse(l).RootElement)
            .Where(static l => l.GetProperty("source").GetString() == "edge")
            .Select(static l => (Ts: l.GetProperty("ts").GetDateTimeOffset(), Result: l.GetProperty("result").Deserialize(ProtocolJson.Default.EdgeAnswer)!))
            .Where(a => a.Result.Model == name)
            .Select(static a => new LocalAnswer(a.Ts, a.Result.Version, a.Result.Label, a.Result.Confidence))];

    /// <summary>The chunks of the model's files this test's silo has sent so far.</summary>
    private long Served(string name) => (long)_served.Sum("iotai.ota.chunks", ("iotai.model", name));

    private string Models(string deviceId) => Path.Combine(_data.FullName, "edge", deviceId, "models");

    /// <summary>The chunks of the file the agent holds on disk, waiting for the rest, by index.</summary>
    private HashSet<int> Staged(string deviceId, string sha256)
    {
        var staging = Path.Combine(Models(deviceId), "staging", sha256);
        return Directory.Exists(staging)
            ? [.. Directory.EnumerateFiles(staging, "*.chunk").Select(static f => int.Parse(Path.GetFileNameWithoutExtension(f), CultureInfo.InvariantCulture))]
            : [];
    }

    private static HashSet<int> Missing(RegisteredTestModel model, HashSet<int> stored) => [.. Enumerable.Range(0, model.Chunks).Except(stored)];

    /// <summary>
    /// Waits for the agent to report version 1 active and answer with it; it must then be current on the agent's disk, its
    /// file exactly the one signed, and every answer the one version 1 gives.
    /// </summary>
    private async Task RunsAsSignedAsync(AgentProcess agent, IDeviceGrain grain, RegisteredTestModel model)
    {
        await ActiveAsync(grain, model.Name, "1", agent);
        await AnsweredAsync(agent, model.Name, "1", count: 20);
        var store = Path.Combine(Models(grain.GetPrimaryKeyString()), model.Name);
        Assert.Equal("1", await File.ReadAllTextAsync(Path.Combine(store, "current")));
        Assert.Equal(model.Sha256, Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(Path.Combine(store, "1", ModelManifest.OnnxFileName)))));
        AssertAnswers(agent, model.Name, ("1", First));
    }

    private void Report(string fault, int chunks, int stored, long servedBefore, long servedAfter, TimeSpan elapsed) =>
        output.WriteLine($"{fault}: {chunks} chunks of {ChunkSize} B; {servedBefore} served and {stored} stored before the fault, {servedAfter} served after it; {elapsed.TotalSeconds:F1} s");

    private sealed record RegisteredTestModel(string Name, string Sha256, int Chunks);

    private sealed record LocalAnswer(DateTimeOffset Timestamp, string Version, string Label, float Confidence);
}
