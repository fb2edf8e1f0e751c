namespace IotAi.Models;

/// <summary>What a model was made from, so any version can be traced back to its data and its predecessor.</summary>
/// <param name="ParentVersion">The version this one was trained to replace, if any.</param>
/// <param name="TrainingRun">The id of the training run that made it.</param>
/// <param name="DatasetSnapshot">The id of the immutable dataset snapshot it was trained on.</param>
public sealed record ModelLineage(string? ParentVersion, string? TrainingRun, string? DatasetSnapshot);
