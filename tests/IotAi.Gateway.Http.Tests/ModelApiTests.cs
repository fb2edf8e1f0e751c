using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using IotAi.Models;
using IotAi.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;

namespace IotAi.Gateway.Http.Tests;

/// <summary>The model API: uploads of signed packages and of plain ONNX, listing, inspection and the lifecycle verbs.</summary>
[Collection(SiloGroup.Name)]
public sealed class ModelApiTests(SiloFixture silo)
{
    private readonly string _name = $"api-model-{Guid.NewGuid():N}"[..20];

    private HttpClient Http => silo.Host.Http;

    /// <summary>Version <paramref name="version"/> of the shipped sensor model under this test's name, as a package file's bytes.</summary>
    private byte[] Package(string version, ModelSigner? signer = null)
    {
        var sensor = silo.Host.Services.GetRequiredService<ModelRegistry>().Open("sensor-anomaly", "1");
        var package = ModelPackage.Create(sensor.Manifest with { Name = _name, Version = version }, sensor.Onnx,
            signer ?? silo.Host.Services.GetRequiredService<ModelKeyring>().Signer);
        using var file = new MemoryStream();
        package.WriteTo(file);
        return file.ToArray();
    }

    [Fact]
    public async Task Uploaded_packages_are_listed_inspected_promoted_deprecated_and_deleted()
    {
        var first = await Http.PostAsync("/api/models", new ByteArrayContent(Package("1")));
        var second = await Http.PostAsync("/api/models", new ByteArrayContent(Package("2")));

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal($"/api/models/{_name}/versions/2", second.Headers.Location?.ToString());
        var listed = (await Http.GetFromJsonAsync<JsonElement[]>("/api/models"))!.Where(m => m.GetProperty("name").GetString() == _name).ToList();
        Assert.Equal(["Active", "Available"], listed.Select(m => m.GetProperty("state").GetString()));
        var inspected = await Http.GetFromJsonAsync<JsonElement>($"/api/models/{_name}/versions/2");
        Assert.Equal("2", inspected.GetProperty("manifest").GetProperty("version").GetString());
        Assert.Equal(64, inspected.GetProperty("manifest").GetProperty("sha256").GetString()!.Length);

        Assert.Equal("Active", await StateAfterAsync(HttpMethod.Post, $"/api/models/{_name}/versions/2/promote", HttpStatusCode.OK));
        Assert.Equal("Deprecated", await StateAfterAsync(HttpMethod.Post, $"/api/models/{_name}/versions/1/deprecate", HttpStatusCode.OK));
        await StateAfterAsync(HttpMethod.Delete, $"/api/models/{_name}/versions/2", HttpStatusCode.Conflict);
        await StateAfterAsync(HttpMethod.Delete, $"/api/models/{_name}/versions/1", HttpStatusCode.NoContent);
        Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync($"/api/models/{_name}/versions/1")).StatusCode);
    }

    [Fact]
    public async Task Corrupt_foreign_and_conflicting_uploads_are_refused_with_the_reason()
    {
        await Http.PostAsync("/api/models", new ByteArrayContent(Package("1")));
        var stranger = ModelSigner.Generate();
        var bytes = Package("2");

        await AssertRefusedAsync(await Http.PostAsync("/api/models", new ByteArrayContent(bytes[..(bytes.Length / 2)])), HttpStatusCode.BadRequest, "not a model package");
        await AssertRefusedAsync(await Http.PostAsync("/api/models", new ByteArrayContent(Package("3", stranger))), HttpStatusCode.BadRequest, stranger.KeyId);
        await AssertRefusedAsync(await Http.PostAsync("/api/models", new ByteArrayContent([])), HttpStatusCode.BadRequest, "body is empty");
        var sensor = silo.Host.Services.GetRequiredService<ModelRegistry>().Open("sensor-anomaly", "1");
        var altered = ModelPackage.Create(sensor.Manifest with { Name = _name, Version = "1", Metrics = new Dictionary<string, double> { ["accuracy"] = 0.5 } },
            sensor.Onnx, silo.Host.Services.GetRequiredService<ModelKeyring>().Signer);
        using var file = new MemoryStream();
        altered.WriteTo(file);
        await AssertRefusedAsync(await Http.PostAsync("/api/models", new ByteArrayContent(file.ToArray())), HttpStatusCode.Conflict, "already registered");
    }

    [Fact]
    public async Task A_plain_onnx_upload_is_signed_by_the_silo_and_serves_over_oip()
    {
        var (onnx, _) = ForeignSensorModel.Train();

        var created = await Http.PostAsync(
            $"/api/models/onnx?name={_name}&version=7&kind=telemetry&labels=ok,fault&features={string.Join(',', ForeignSensorModel.FeatureOrder)}",
            new ByteArrayContent(onnx));
        var missingLabels = await Http.PostAsync($"/api/models/onnx?name={_name}&version=8&kind=telemetry", new ByteArrayContent(onnx));
        var notOnnx = await Http.PostAsync($"/api/models/onnx?name={_name}&version=9&kind=telemetry&labels=ok,fault", new ByteArrayContent([1, 2, 3]));

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var summary = await created.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(silo.Host.Services.GetRequiredService<ModelKeyring>().Signer.KeyId, summary.GetProperty("signedBy").GetString());
        await AssertRefusedAsync(missingLabels, HttpStatusCode.BadRequest, "labels");
        await AssertRefusedAsync(notOnnx, HttpStatusCode.BadRequest, "not an ONNX model");
        await Eventually.TrueAsync(async () => (await Http.GetAsync($"/v2/models/{_name}/versions/7/ready")).IsSuccessStatusCode,
            "the uploaded model did not become ready", seconds: 30);
    }

    [Fact]
    public async Task An_image_model_is_imported_with_a_preset_and_settings_that_its_manifest_keeps()
    {
        // Any spatial size, three channels in, a softmax over the per-channel means out.
        var onnx = new OnnxGraph()
            .Input("image", OnnxGraph.Float, "batch", 3, "height", "width")
            .Node("GlobalAveragePool", ["image"], ["pooled"])
            .Node("Flatten", ["pooled"], ["flat"])
            .Node("Softmax", ["flat"], ["scores"])
            .Output("scores", OnnxGraph.Float, "batch", 3)
            .ToBytes();
        var query = $"/api/models/onnx?name={_name}&kind=image&labels=r,g,b&image=imagenet";

        var created = await Http.PostAsync($"{query}&version=1&resize=letterbox:114&layout=nchw", new ByteArrayContent(onnx));
        var badMean = await Http.PostAsync($"{query}&version=2&mean=0.5,0.5", new ByteArrayContent(onnx));
        var badResize = await Http.PostAsync($"{query}&version=3&resize=sideways", new ByteArrayContent(onnx));

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var recipe = silo.Host.Services.GetRequiredService<ModelRegistry>().Find(_name, "1")!.Manifest.Image!;
        Assert.Equal(ImagePreprocessing.ImageNet() with { Resize = ResizeMode.Letterbox, PadValue = 114 }, recipe);
        await AssertRefusedAsync(badMean, HttpStatusCode.BadRequest, "mean has 2 values");
        await AssertRefusedAsync(badResize, HttpStatusCode.BadRequest, "resize is one of stretch, crop, letterbox");
    }

    private async Task<string?> StateAfterAsync(HttpMethod method, string path, HttpStatusCode expected)
    {
        var response = await Http.SendAsync(new HttpRequestMessage(method, path));
        Assert.Equal(expected, response.StatusCode);
        return response.StatusCode == HttpStatusCode.OK ? (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("state").GetString() : null;
    }

    private static async Task AssertRefusedAsync(HttpResponseMessage response, HttpStatusCode status, string reason)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Contains(reason, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString(), StringComparison.Ordinal);
    }
}
