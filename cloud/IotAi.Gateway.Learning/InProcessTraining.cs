using IotAi.Training;

namespace IotAi.Gateway.Learning;

/// <summary>Trains on a thread-pool thread of this silo; ML.NET's trainers use one thread each, so serving goes on.</summary>
internal sealed class InProcessTraining(TrainingRunner runner, TrainingOutcomeStore outcomes) : ITrainingExecutor
{
    public Task<TrainingOutcome> RunAsync(TrainingRequest request, IProgress<string> progress, CancellationToken cancellationToken) =>
        Task.Run(() =>
        {
            var outcome = runner.Run(request, progress);
            outcomes.Save(outcome);
            return outcome;
        }, cancellationToken);
}
