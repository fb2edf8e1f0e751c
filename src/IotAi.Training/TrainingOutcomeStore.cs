using System.Text.Json;

namespace IotAi.Training;

/// <summary>
/// Training outcomes as <c>{runId}.json</c> files. A trainer in its own pod writes the outcome here, on the
/// volume it shares with the silos, and the silo that started the run reads it once the Job completes.
/// </summary>
public sealed class TrainingOutcomeStore(string directory)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public string Directory { get; } = Path.GetFullPath(directory);

    public void Save(TrainingOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        System.IO.Directory.CreateDirectory(Directory);
        var path = PathOf(outcome.RunId);
        var temporary = path + ".tmp";
        File.WriteAllBytes(temporary, JsonSerializer.SerializeToUtf8Bytes(outcome, Json));
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>The outcome of <paramref name="runId"/>, or null when no run of that id has finished here.</summary>
    public TrainingOutcome? Find(string runId)
    {
        var path = PathOf(runId);
        return File.Exists(path) ? JsonSerializer.Deserialize<TrainingOutcome>(File.ReadAllBytes(path), Json) : null;
    }

    private string PathOf(string runId)
    {
        // A run id is a model name (up to 64 characters) and a stamp, so it may be longer than a model name may.
        if (runId is not { Length: > 0 and <= 128 } || runId.StartsWith('.') || !runId.All(static c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
        {
            throw new ArgumentException($"'{runId}' is not a valid training run id", nameof(runId));
        }

        return Path.Combine(Directory, runId + ".json");
    }
}
