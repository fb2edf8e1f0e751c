namespace IotAi.Training.Tests;

/// <summary>
/// The tests that train the image model on thousands of frames, one after the other: each keeps a core busy for
/// tens of seconds, and the other test assemblies, silos and clusters among them, run beside this one.
/// </summary>
[CollectionDefinition(Name)]
public sealed class ImageTrainingGroup
{
    public const string Name = "image training";
}
