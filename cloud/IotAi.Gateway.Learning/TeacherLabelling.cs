using IotAi.Inference;
using IotAi.Learning;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace IotAi.Gateway.Learning;

/// <summary>
/// Lets each configured teacher label its student's kept, unlabelled samples: the teacher's active version reads
/// the sample's payload as it would read it live, and a label it gives with at least the configured probability
/// is recorded with source <c>teacher</c> and the teacher's name and version. Samples the teacher was unsure of
/// are not asked again of the same version. Device and operator labels are never overwritten: only unlabelled
/// samples are looked at.
/// </summary>
internal sealed partial class TeacherLabelling(
    IOptions<TeachingOptions> options,
    IModelHost models,
    FileSampleStore samples,
    SampleCapture capture,
    LearningTelemetry telemetry,
    TimeProvider clock,
    ILogger<TeacherLabelling> logger) : BackgroundService
{
    private const int MaxRemembered = 1_000_000;
    private readonly HashSet<string> _unsure = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _oneAtATime = new(1, 1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Value.Models.Count == 0)
        {
            return;
        }

        using var timer = new PeriodicTimer(options.Value.Interval, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            await LabelOnceAsync(stoppingToken);
        }
    }

    /// <summary>One look by every teacher; returns how many samples were labelled.</summary>
    public async Task<int> LabelOnceAsync(CancellationToken cancellationToken)
    {
        await _oneAtATime.WaitAsync(cancellationToken);
        try
        {
            var labelled = 0;
            foreach (var (student, settings) in options.Value.Models)
            {
                if (models.Active(settings.Teacher) is not { } teacher || models.Active(student) is not { } served)
                {
                    LogNoTeacher(student, settings.Teacher);
                    continue;
                }

                var count = await TeachAsync(served, teacher, settings.MinConfidence, cancellationToken);
                telemetry.TeacherLabelled(student, count);
                labelled += count;
            }

            return labelled;
        }
        finally
        {
            _oneAtATime.Release();
        }
    }

    public override void Dispose()
    {
        _oneAtATime.Dispose();
        base.Dispose();
    }

    private async Task<int> TeachAsync(LoadedModel served, LoadedModel teacher, double minConfidence, CancellationToken cancellationToken)
    {
        var student = served.Manifest.Name;
        var by = $"{teacher.Manifest.Name}@{teacher.Manifest.Version}";
        var features = new float[teacher.Manifest.InputLength];
        var labelled = 0;
        foreach (var sample in samples.List(student, labelled: false, limit: options.Value.BatchSize))
        {
            var asked = $"{by}/{sample.Id}";
            if (sample.Kind != teacher.Manifest.Kind || _unsure.Contains(asked))
            {
                continue;
            }

            if (teacher.ReadInput(samples.Payload(sample), features).Error is null)
            {
                var answer = await teacher.InferAsync(features, cancellationToken);
                var label = teacher.Manifest.Labels[answer.LabelIndex];
                // A label the served model does not know could not be trained on; the teacher's certainty does not change that.
                if (answer.Confidence >= minConfidence && served.Manifest.Labels.Contains(label))
                {
                    capture.Label(sample.Id, new SampleLabel(label, LabelSources.Teacher, clock.GetUtcNow(), by));
                    labelled++;
                    continue;
                }
            }

            if (_unsure.Count >= MaxRemembered)
            {
                _unsure.Clear();
            }

            _unsure.Add(asked);
        }

        if (labelled > 0)
        {
            LogLabelled(by, labelled, student);
        }

        return labelled;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Model} or its teacher {Teacher} has no active version; its samples wait")]
    private partial void LogNoTeacher(string model, string teacher);

    [LoggerMessage(Level = LogLevel.Information, Message = "Teacher {Teacher} labelled {Count} kept samples of {Model}")]
    private partial void LogLabelled(string teacher, int count, string model);
}
