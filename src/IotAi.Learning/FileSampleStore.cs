using System.Text.Json;
using IotAi.Protocol;

namespace IotAi.Learning;

/// <summary>
/// Kept samples in append-only segment files, <c>{root}/{model}/{writer}-{number}.samples</c>: each record a sample's
/// metadata (what it is, why it was kept, its labels) and the bytes the device sent, or, once labelled, its metadata
/// again with the label added (<see cref="SampleRecord"/>). Segments rather than grain state, because images are large
/// and datasets are read in bulk; segments rather than a file per sample, because a device grain then only queues its
/// sample, and many samples share one write (<see cref="SampleSegmentWriter"/>). Every process writes segments of its
/// own, so silos sharing the folder never write the same file; each reads all of them (<see cref="SampleIndex"/>).
/// </summary>
public sealed class FileSampleStore : IAsyncDisposable, IDisposable
{
    private const string LooseMetadataSuffix = ".sample.json";
    private readonly Lock _gate = new();
    private readonly Lock _labelling = new();
    private readonly SampleIndex _index;
    private readonly SampleSegmentWriter _writer;

    /// <param name="root">The folder, shared by every process that keeps or reads samples.</param>
    /// <param name="flush">Whether a sample is flushed to disk before it counts as kept (survives power loss, not only a crash).</param>
    public FileSampleStore(string root, bool flush = false)
    {
        Root = Path.GetFullPath(root);
        Directory.CreateDirectory(Root);
        _index = new SampleIndex(Root);
        _writer = new SampleSegmentWriter(Root, $"{DateTime.UtcNow:yyyyMMddHHmmss}-{Guid.NewGuid():N}"[..27], flush);
        ImportLooseFiles();
    }

    public string Root { get; }

    /// <summary>
    /// Queues the sample and its payload (copied before this returns) for the next write; the task completes once it is
    /// written, and only then does the sample count as kept.
    /// </summary>
    public Task SaveAsync(CapturedSample sample, ReadOnlySpan<byte> payload)
    {
        ArgumentNullException.ThrowIfNull(sample);
        return _writer.AppendAsync(Safe(sample.Model), Record(SampleRecordKind.Sample, sample, payload));
    }

    /// <summary>Keeps the sample and returns once it is written: for tools and imports that keep one at a time.</summary>
    public void Save(CapturedSample sample, ReadOnlySpan<byte> payload) => SaveAsync(sample, payload).GetAwaiter().GetResult();

    /// <summary>The sample with this id, whichever model it belongs to; null if none was kept.</summary>
    public CapturedSample? Find(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        lock (_gate)
        {
            foreach (var model in _index.Models)
            {
                if (_index.Refresh(model).TryGetValue(id, out var location))
                {
                    return Metadata(SampleIndex.Read(location.Metadata));
                }
            }
        }

        return null;
    }

    /// <summary>The model's kept samples, newest first; <paramref name="labelled"/> filters on having a label.</summary>
    public IReadOnlyList<CapturedSample> List(string model, bool? labelled = null, int limit = int.MaxValue)
    {
        List<RecordPart> metadata;
        lock (_gate)
        {
            metadata = [.. _index.Refresh(Safe(model)).Values.Select(static l => l.Metadata)];
        }

        var samples = new List<CapturedSample>(metadata.Count);
        foreach (var segment in metadata.GroupBy(static m => m.Segment, StringComparer.Ordinal))
        {
            using var handle = File.OpenHandle(segment.Key, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            samples.AddRange(segment.Select(part => Metadata(SampleIndex.Read(handle, part))));
        }

        return [.. samples
            .Where(s => labelled is null || (s.Label is not null) == labelled)
            .OrderByDescending(static s => s.CapturedAt)
            .ThenBy(static s => s.Id, StringComparer.Ordinal)
            .Take(limit)];
    }

    /// <summary>The bytes the device sent for <paramref name="sample"/>.</summary>
    public byte[] Payload(CapturedSample sample)
    {
        ArgumentNullException.ThrowIfNull(sample);
        RecordPart? payload;
        lock (_gate)
        {
            payload = _index.Refresh(Safe(sample.Model)).GetValueOrDefault(sample.Id)?.Payload;
        }

        return SampleIndex.Read(payload ?? throw new KeyNotFoundException($"no payload of sample '{sample.Id}' was kept"));
    }

    /// <summary>Adds a label to the sample; throws <see cref="KeyNotFoundException"/> when no sample has this id.</summary>
    public CapturedSample Label(string id, SampleLabel label)
    {
        ArgumentNullException.ThrowIfNull(label);
        lock (_labelling)
        {
            var sample = Find(id) ?? throw new KeyNotFoundException($"no sample '{id}' was kept");
            var labelled = sample with { Labels = [.. sample.Labels, label] };
            _writer.AppendAsync(Safe(sample.Model), Record(SampleRecordKind.Labels, labelled, [])).GetAwaiter().GetResult();
            return labelled;
        }
    }

    private static byte[] Record(SampleRecordKind kind, CapturedSample sample, ReadOnlySpan<byte> payload) =>
        SampleRecord.Create(kind, JsonSerializer.SerializeToUtf8Bytes(sample, SampleRecordJson.Default.CapturedSample), payload);

    private static CapturedSample Metadata(byte[] json) =>
        JsonSerializer.Deserialize(json, SampleRecordJson.Default.CapturedSample) ?? throw new InvalidDataException("a kept sample's metadata is empty");

    /// <summary>
    /// Samples kept as two loose files each (<c>{id}.sample.json</c> beside <c>{id}.payload.*</c>), as stores before
    /// segments kept them, move into this store's segments once written there. Two silos starting at once may both move
    /// one; the index keeps a sample once however often it is written.
    /// </summary>
    private void ImportLooseFiles()
    {
        foreach (var metadataFile in Directory.EnumerateDirectories(Root).SelectMany(static d => Directory.EnumerateFiles(d, "*" + LooseMetadataSuffix)).ToList())
        {
            try
            {
                var sample = JsonSerializer.Deserialize(File.ReadAllBytes(metadataFile), LearningJson.Default.CapturedSample)
                    ?? throw new InvalidDataException($"{metadataFile} is empty");
                var payloadFile = Path.Combine(Path.GetDirectoryName(metadataFile)!, LoosePayloadName(sample));
                Save(sample, File.ReadAllBytes(payloadFile));
                File.Delete(payloadFile);
                File.Delete(metadataFile);
            }
            catch (FileNotFoundException)
            {
                // Another process moved it meanwhile.
            }
            catch (JsonException)
            {
                // Unreadable: left where it is for a person to look at, as the store before would have left it unread.
            }
        }
    }

    private static string LoosePayloadName(CapturedSample sample) => Safe(sample.Id) + ".payload" + sample.ContentType switch
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

    public ValueTask DisposeAsync() => _writer.DisposeAsync();

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();
}
