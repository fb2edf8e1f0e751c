using System.Text.Json;
using IotAi.Edge.Models;
using IotAi.Edge.Sources;
using IotAi.Edge.Twin;
using IotAi.Models;
using IotAi.Protocol;
using IotAi.Synthetic;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using SkiaSharp;

namespace IotAi.Edge.Tests;

/// <summary>The file-based sources: CSV replay, a watched folder of images, and Linux hwmon sensors.</summary>
public sealed class SourceTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("iotai-sources-");

    private string PathOf(params string[] parts) => Path.Combine([_data.FullName, .. parts]);

    [Fact]
    public async Task Csv_rows_become_readings_with_their_time_and_truth_and_bad_rows_are_skipped()
    {
        await File.WriteAllTextAsync(PathOf("readings.csv"), """
            ts,temperature, vibration,current,label
            2026-01-01T00:00:00Z,45.5,0.3,10.1,normal
            2026-01-01T00:00:10Z,hot,0.3,10.1,normal

            2026-01-01T00:00:20Z,91,1.2,14,anomaly
            """);
        var source = new CsvReplaySource(Options.Create(new EdgeAgentOptions { DeviceId = "d", CsvPath = PathOf("readings.csv") }), TimeProvider.System, NullLogger<CsvReplaySource>.Instance);

        var samples = await source.ReadAsync(CancellationToken.None).ToListAsync().AsTask().WaitAsync(Patience);

        Assert.Equal(["normal", "anomaly"], samples.Select(s => s.Label));
        var last = JsonSerializer.Deserialize(samples[1].Payload.Span, ProtocolJson.Wire.Telemetry)!;
        Assert.Equal(new Dictionary<string, double> { ["temperature"] = 91, ["vibration"] = 1.2, ["current"] = 14 }, last.Values);
        Assert.Equal(DateTimeOffset.Parse("2026-01-01T00:00:20Z", System.Globalization.CultureInfo.InvariantCulture), samples[1].Timestamp);
    }

    [Fact]
    public async Task Hwmon_temperatures_are_read_in_degrees_named_after_chip_and_label()
    {
        Directory.CreateDirectory(PathOf("hwmon", "hwmon0"));
        Directory.CreateDirectory(PathOf("hwmon", "hwmon1"));
        await File.WriteAllTextAsync(PathOf("hwmon", "hwmon0", "name"), "cpu_thermal\n");
        await File.WriteAllTextAsync(PathOf("hwmon", "hwmon0", "temp1_input"), "45123\n");
        await File.WriteAllTextAsync(PathOf("hwmon", "hwmon1", "name"), "coretemp\n");
        await File.WriteAllTextAsync(PathOf("hwmon", "hwmon1", "temp2_label"), "Package id 0\n");
        await File.WriteAllTextAsync(PathOf("hwmon", "hwmon1", "temp2_input"), "-2500\n");
        var options = Options.Create(new EdgeAgentOptions { DeviceId = "d", HwmonRoot = PathOf("hwmon") });
        var source = new HwmonSource(options, new LiveSettings(options), TimeProvider.System, NullLogger<HwmonSource>.Instance);

        await using var readings = source.ReadAsync(CancellationToken.None).GetAsyncEnumerator();
        Assert.True(await readings.MoveNextAsync().AsTask().WaitAsync(Patience));

        var values = JsonSerializer.Deserialize(readings.Current.Payload.Span, ProtocolJson.Wire.Telemetry)!.Values;
        Assert.Equal(new Dictionary<string, double> { ["coretemp_package_id_0"] = -2.5, ["cpu_thermal_temp1"] = 45.123 }, values);
    }

    [Fact]
    public async Task A_device_without_hwmon_sensors_ends_the_source()
    {
        var options = Options.Create(new EdgeAgentOptions { DeviceId = "d", HwmonRoot = PathOf("no-such-hwmon") });
        var source = new HwmonSource(options, new LiveSettings(options), TimeProvider.System, NullLogger<HwmonSource>.Instance);

        Assert.Empty(await source.ReadAsync(CancellationToken.None).ToListAsync().AsTask().WaitAsync(Patience));
    }

    [Fact]
    public async Task Watched_images_go_resized_to_what_the_local_model_reads_labelled_by_folder_then_move_aside()
    {
        await using var runtime = await ImageModelAsync();
        var watched = PathOf("camera");
        Directory.CreateDirectory(Path.Combine(watched, "circle"));
        await File.WriteAllBytesAsync(Path.Combine(watched, "circle", "a.png"), Picture(200, 150));
        var source = new FolderWatcherSource(
            Options.Create(new EdgeAgentOptions { DeviceId = "d", WatchFolder = watched, WatchSettleTime = TimeSpan.Zero }),
            runtime, TimeProvider.System, NullLogger<FolderWatcherSource>.Instance);
        await using var images = source.ReadAsync(CancellationToken.None).GetAsyncEnumerator();

        Assert.True(await images.MoveNextAsync().AsTask().WaitAsync(Patience));
        var first = images.Current;
        // A garbled file and a real one arrive after start; the real one is moved in whole, as writers should.
        await File.WriteAllBytesAsync(Path.Combine(watched, "c.png"), [0x89, 0x50, 0x4E, 0x47, 1, 2, 3]);
        await File.WriteAllBytesAsync(PathOf("b.tmp"), new SyntheticCamera(3).Next().Encoded);
        File.Move(PathOf("b.tmp"), Path.Combine(watched, "b.jpg"));
        Assert.True(await images.MoveNextAsync().AsTask().WaitAsync(Patience));
        var second = images.Current;

        Assert.Equal((ContentTypes.Png, "circle"), (first.ContentType, first.Label));
        Assert.Equal((32, 32), SizeOf(first.Payload.ToArray()));
        Assert.Equal((32, 32, (string?)null), (SizeOf(second.Payload.ToArray()).Width, SizeOf(second.Payload.ToArray()).Height, second.Label));
        Assert.True(File.Exists(Path.Combine(watched, FolderWatcherSource.SentFolder, "circle", "a.png")));
        Assert.True(File.Exists(Path.Combine(watched, FolderWatcherSource.RejectedFolder, "c.png")));
        Assert.False(File.Exists(Path.Combine(watched, "circle", "a.png")));
    }

    private async Task<EdgeModelRuntime> ImageModelAsync()
    {
        var signer = ModelSigner.Generate();
        var trusted = new TrustedKeys();
        trusted.Add(signer.ExportPublicKeyPem());
        var folder = Path.Combine(AppContext.BaseDirectory, "DefaultModels", "shape-classifier", "1");
        var package = ModelPackage.Create(ModelManifest.Load(Path.Combine(folder, ModelManifest.FileName)), File.ReadAllBytes(Path.Combine(folder, ModelManifest.OnnxFileName)), signer);
        var runtime = new EdgeModelRuntime(new EdgeModelStore(PathOf("models")), trusted, NullLogger.Instance);
        await runtime.ActivateAsync(package);
        return runtime;
    }

    private static byte[] Picture(int width, int height)
    {
        using var bitmap = new SKBitmap(width, height);
        bitmap.Erase(SKColors.White);
        using var image = SKImage.FromBitmap(bitmap);
        return image.Encode(SKEncodedImageFormat.Png, 100).ToArray();
    }

    private static (int Width, int Height) SizeOf(byte[] encoded)
    {
        using var codec = SKCodec.Create(new MemoryStream(encoded));
        return (codec.Info.Width, codec.Info.Height);
    }

    public void Dispose() => _data.Delete(recursive: true);
}
