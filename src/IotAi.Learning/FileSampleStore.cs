using System.Text.Json;
using IotAi.Protocol;

namespace IotAi.Learning;

/// <summary>
/// Kept samples as files: <c>{root}/{model}/{id}.sample.json</c> (what it is, why it was kept, its labels) beside
/// <c>{id}.payload.{json|jpg|png}</c> (the bytes the device sent). Files rather than grain state, because images
/// are large and datasets are read in bulk; one file per sample, so silos sharing the directory never write the
/// same file, except to label the same sample at once, when the last label wins. Metadata lands whole: it goes to
/// a temporary file that is then renamed.
/// </summary>
public sealed class FileSampleStore
{
    private const string MetadataSuffix = ".sample.json";
    private readonly Lock _labelling = new();

    public FileSampleStore(string root)
    {
        Root = Path.GetFullPath(root);
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    /// <summary>
    /// Stores the payload, then the metadata, so a sample that is listed always has its bytes. Only the metadata
    /// needs the rename: nothing reads a payload whose metadata is not there yet.
    /// </summary>
    public void Save(CapturedSample sample, ReadOnlySpan<byte> payload)
    {
        ArgumentNullException.ThrowIfNull(sample);
        var folder = Path.Combine(Root, Safe(sample.Model));
        Directory.CreateDirectory(folder);
        File.WriteAllBytes(Path.Combine(folder, PayloadName(sample)), payload);
        WriteWhole(Path.Combine(folder, Safe(sample.Id) + MetadataSuffix), JsonSerializer.SerializeToUtf8Bytes(sample, LearningJson.Default.CapturedSample));
    }

    /// <summary>The sample with this id, whichever model it belongs to; null if none was kept.</summary>
    public CapturedSample? Find(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        return Directory.EnumerateDirectories(Root)
            .Select(folder => Path.Combine(folder, Safe(id) + MetadataSuffix))
            .Where(File.Exists)
            .Select(Read)
            .FirstOrDefault();
    }

    /// <summary>The model's kept samples, newest first; <paramref name="labelled"/> filters on having a label.</summary>
    public IReadOnlyList<CapturedSample> List(string model, bool? labelled = null, int limit = int.MaxValue)
    {
        var folder = Path.Combine(Root, Safe(model));
        if (!Directory.Exists(folder))
        {
            return [];
        }

        return [.. Directory.EnumerateFiles(folder, "*" + MetadataSuffix)
            .Select(Read)
            .Where(s => labelled is null || (s.Label is not null) == labelled)
            .OrderByDescending(static s => s.CapturedAt)
            .ThenBy(static s => s.Id, StringComparer.Ordinal)
            .Take(limit)];
    }

    /// <summary>The bytes the device sent for <paramref name="sample"/>.</summary>
    public byte[] Payload(CapturedSample sample)
    {
        ArgumentNullException.ThrowIfNull(sample);
        return File.ReadAllBytes(Path.Combine(Root, Safe(sample.Model), PayloadName(sample)));
    }

    /// <summary>Adds a label to the sample; throws <see cref="KeyNotFoundException"/> when no sample has this id.</summary>
    public CapturedSample Label(string id, SampleLabel label)
    {
        ArgumentNullException.ThrowIfNull(label);
        lock (_labelling)
        {
            var sample = Find(id) ?? throw new KeyNotFoundException($"no sample '{id}' was kept");
            var labelled = sample with { Labels = [.. sample.Labels, label] };
            WriteWhole(Path.Combine(Root, Safe(sample.Model), Safe(sample.Id) + MetadataSuffix), JsonSerializer.SerializeToUtf8Bytes(labelled, LearningJson.Default.CapturedSample));
            return labelled;
        }
    }

    private static CapturedSample Read(string path) =>
        JsonSerializer.Deserialize(File.ReadAllBytes(path), LearningJson.Default.CapturedSample)
        ?? throw new InvalidDataException($"{path} is empty");

    private static string PayloadName(CapturedSample sample) => Safe(sample.Id) + ".payload" + sample.ContentType switch
    {
        ContentTypes.Png => ".png",
        ContentTypes.Jpeg => ".jpg",
        _ => ".json",
    };

    /// <summary>Ids and model names are checked where they come in; this only keeps a path inside its folder.</summary>
    private static string Safe(string name) =>
        name.Length > 0 && name.IndexOfAny(['/', '\\', '\0']) < 0 && name is not ("." or "..")
            ? name
            : throw new ArgumentException($"'{name}' cannot name a file", nameof(name));

    private static void WriteWhole(string path, ReadOnlySpan<byte> bytes)
    {
        var temporary = path + ".tmp";
        File.WriteAllBytes(temporary, bytes);
        File.Move(temporary, path, overwrite: true);
    }
}
