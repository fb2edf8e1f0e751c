namespace IotAi.Training.Tests;

/// <summary>Outcomes kept by run id, which is a model name of up to 64 characters plus a stamp, and never a path.</summary>
public sealed class TrainingOutcomeStoreTests : IDisposable
{
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("iotai-outcomes-");

    public void Dispose() => _data.Delete(recursive: true);

    [Fact]
    public void The_outcome_of_a_run_of_a_model_with_the_longest_name_is_kept_and_found()
    {
        var store = new TrainingOutcomeStore(_data.FullName);
        var runId = $"{new string('m', 64)}-20261129101500-ab12";

        store.Save(new TrainingOutcome(runId, new string('m', 64), "snap", 100, 25, "1", null, null, "2", "registered 2"));

        Assert.Equal("registered 2", store.Find(runId)!.Verdict);
        Assert.Null(store.Find("never-ran"));
        Assert.Throws<ArgumentException>(() => store.Find("../keys/model-signing-key"));
    }
}
