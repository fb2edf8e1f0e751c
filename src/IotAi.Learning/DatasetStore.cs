using System.Text.Json;

namespace IotAi.Learning;

/// <summary>
/// Snapshots as files, <c>{root}/{model}/{id}.json</c>, written once and never changed. An id is the time to the second and
/// a digest of the contents, so saving a snapshot whose id is there already (a second run on the same data in the same
/// second) changes nothing.
/// </summary>
public sealed class DatasetStore
{
    public DatasetStore(string root)
    {
        Root = Path.GetFullPath(root);
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    public void Save(DatasetSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var folder = Path.Combine(Root, snapshot.Model);
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, snapshot.Id + ".json");
        if (File.Exists(path))
        {
            return;
        }

        var temporary = path + ".tmp";
        File.WriteAllBytes(temporary, JsonSerializer.SerializeToUtf8Bytes(snapshot, LearningJson.Default.DatasetSnapshot));
        File.Move(temporary, path);
    }

    /// <summary>The model's most recent snapshot, or null when it has none.</summary>
    public DatasetSnapshot? Latest(string model)
    {
        var folder = Path.Combine(Root, model);
        var newest = Directory.Exists(folder) ? Directory.EnumerateFiles(folder, "*.json").Max(StringComparer.Ordinal) : null;
        return newest is null ? null : Find(model, Path.GetFileNameWithoutExtension(newest));
    }

    public DatasetSnapshot? Find(string model, string id)
    {
        var path = Path.Combine(Root, model, id + ".json");
        return File.Exists(path) ? JsonSerializer.Deserialize(File.ReadAllBytes(path), LearningJson.Default.DatasetSnapshot) : null;
    }
}
