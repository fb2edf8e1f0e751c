using Microsoft.ML.Data;

namespace IotAi.Training;

/// <summary>A labelled sensor reading as ML.NET reads it.</summary>
internal sealed class SensorRow
{
    [VectorType(3)]
    public float[] Features { get; set; } = [];

    public bool Label { get; set; }
}

/// <summary>A labelled preprocessed image; the label is the class index, turned into a key before training.</summary>
internal sealed class ImageRow
{
    // 32 x 32 grey pixels: DefaultModels.ImageRecipe.InputLength.
    [VectorType(1024)]
    public float[] Features { get; set; } = [];

    public uint Label { get; set; }
}

/// <summary>An unlabelled row: the shape of the exported model's only input.</summary>
internal sealed class FeatureRow
{
    public float[] Features { get; set; } = [];
}
