namespace IotAi.Models;

/// <summary>One registered version, as the model API lists it.</summary>
public sealed record ModelSummary(
    string Name,
    string Version,
    string State,
    string Kind,
    IReadOnlyList<string> Labels,
    string Sha256,
    string SignedBy,
    IReadOnlyDictionary<string, double> Metrics)
{
    public static ModelSummary Of(RegisteredModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return new(model.Name, model.Version, model.State.ToString(), model.Manifest.Kind.ToString(), model.Manifest.Labels, model.Manifest.Sha256!,
            model.Signature.KeyId, model.Manifest.Metrics);
    }
}
