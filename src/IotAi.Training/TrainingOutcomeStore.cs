using System.Text.Json;
using IotAi.Models;

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
        if (!ModelRegistry.IsValidName(runId))
        {
            throw new ArgumentException($"'{runId}' is not a valid training run id", nameof(runId));
        }

        return Path.Combine(Directory, runId + ".json");
    }
}
