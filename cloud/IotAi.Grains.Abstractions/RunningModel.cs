using IotAi.Protocol;

namespace IotAi.Grains;

/// <summary>Where a model answers a device: on the device itself, or in the cloud on the samples the device sends.</summary>
public static class InferenceSites
{
    public const string Edge = "edge";
    public const string Cloud = "cloud";
}

/// <summary>A model version that answers a device, and where it runs.</summary>
public readonly record struct RunningModel(string Model, string Version, string Site)
{
    /// <summary>
    /// The version of each model that answers a device: the one its edge agent reports running (twin property
    /// <see cref="ReportedProperties.Models"/>), else the one the cloud last answered it with.
    /// </summary>
    /// <param name="reported">The device's reported twin properties.</param>
    /// <param name="cloudAnswers">The cloud's last answering version per payload kind, as <c>name:version</c>.</param>
    public static Dictionary<string, RunningModel> Of(IReadOnlyDictionary<string, string> reported, IReadOnlyDictionary<string, string> cloudAnswers)
    {
        ArgumentNullException.ThrowIfNull(reported);
        ArgumentNullException.ThrowIfNull(cloudAnswers);
        var running = new Dictionary<string, RunningModel>(StringComparer.Ordinal);
        if (reported.TryGetValue(ReportedProperties.Models, out var models))
        {
            foreach (var pair in models.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                Add(running, pair, InferenceSites.Edge);
            }
        }

        foreach (var pair in cloudAnswers.Values)
        {
            Add(running, pair, InferenceSites.Cloud);
        }

        return running;
    }

    /// <summary>Adds a <c>name:version</c> pair unless the model is there already (a device's own model comes first).</summary>
    private static void Add(Dictionary<string, RunningModel> running, string pair, string site)
    {
        var colon = pair.LastIndexOf(':');
        if (colon > 0 && colon < pair.Length - 1)
        {
            running.TryAdd(pair[..colon], new RunningModel(pair[..colon], pair[(colon + 1)..], site));
        }
    }
}
