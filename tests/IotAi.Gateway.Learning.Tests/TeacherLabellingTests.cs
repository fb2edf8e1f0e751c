using IotAi.Gateway.Learning;
using IotAi.Inference;
using IotAi.Learning;
using IotAi.Models;
using IotAi.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;

namespace IotAi.Gateway.Learning.Tests;

/// <summary>A teacher model labels its student's unlabelled kept samples where it is confident, and only there.</summary>
public sealed class TeacherLabellingTests : IAsyncLifetime
{
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("iotai-teacher-");
    private GatewayHost _silo = null!;

    public async Task InitializeAsync() => _silo = await GatewayHost.StartAsync(_data.FullName, new Dictionary<string, string?>
    {
        ["Learning:Teaching:Interval"] = "1.00:00:00",
        ["Learning:Teaching:Models:student:Teacher"] = "teacher",
        ["Learning:Teaching:Models:student:MinConfidence"] = "0.999",
    });

    public async Task DisposeAsync()
    {
        await _silo.DisposeAsync();
        _data.Delete(recursive: true);
    }

    [Fact]
    public async Task Confident_answers_become_teacher_labels_with_the_teachers_version_and_unsure_ones_wait_for_a_person()
    {
        var registry = _silo.Services.GetRequiredService<ModelRegistry>();
        var signer = _silo.Services.GetRequiredService<ModelKeyring>().Signer;
        var sensor = registry.Open("sensor-anomaly", "1");
        registry.Import(ModelPackage.Create(sensor.Manifest with { Name = "student" }, sensor.Onnx, signer));
        registry.Import(ModelPackage.Create(sensor.Manifest with { Name = "teacher", Version = "7" }, sensor.Onnx, signer));
        await _silo.Services.GetRequiredService<ModelHost>().RefreshAsync(CancellationToken.None);
        var store = _silo.Services.GetRequiredService<FileSampleStore>();
        var truth = LabelledReadings.Keep(store, "student", "teacher-dev", 400, drift: 0, seed: 41, DateTimeOffset.UtcNow, labelled: false);
        var teaching = _silo.Services.GetRequiredService<TeacherLabelling>();
        var sure = await SureOfAsync(store, "student", 0.999f);

        var labelled = await teaching.LabelOnceAsync(CancellationToken.None);

        var samples = store.List("student");
        var taught = samples.Where(static s => s.Label is not null).ToList();
        Assert.Equal(labelled, taught.Count);
        Assert.Equal(sure.Order(StringComparer.Ordinal), taught.Select(static s => s.Id).Order(StringComparer.Ordinal));
        Assert.InRange(taught.Count, 1, samples.Count - 1);
        Assert.All(taught, static s => Assert.Equal((LabelSources.Teacher, "teacher@7"), (s.Labels[^1].Source, s.Labels[^1].By)));
        var right = taught.Count(s => s.Label == truth[s.Id]);
        Assert.True(right >= 0.98 * taught.Count, $"{right} of {taught.Count} teacher labels are right");
        Assert.Equal(0, await teaching.LabelOnceAsync(CancellationToken.None));
        Assert.Equal(samples.Count - taught.Count, store.List("student", labelled: false).Count);
    }

    /// <summary>The samples the teacher answers with at least <paramref name="confidence"/>, asked directly.</summary>
    private async Task<List<string>> SureOfAsync(FileSampleStore store, string model, float confidence)
    {
        var teacher = _silo.Services.GetRequiredService<IModelHost>().Active("teacher")!;
        var sure = new List<string>();
        foreach (var sample in store.List(model))
        {
            var features = new float[teacher.Manifest.InputLength];
            Assert.Null(teacher.ReadInput(store.Payload(sample), features).Error);
            if ((await teacher.InferAsync(features)).Confidence >= confidence)
            {
                sure.Add(sample.Id);
            }
        }

        return sure;
    }
}
