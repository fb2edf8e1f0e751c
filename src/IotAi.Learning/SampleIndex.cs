using System.Buffers;
using System.Text.Json;
using Microsoft.Win32.SafeHandles;

namespace IotAi.Learning;

/// <summary>
/// Where each kept sample's newest metadata and its payload lie in a store's segments, learnt by reading each segment on
/// from where the last look ended, so a process finds what the others sharing the folder wrote as well as its own. It
/// holds locations, not samples: a store keeps far more than memory should. Not thread-safe; the store locks around it.
/// </summary>
internal sealed class SampleIndex(string root)
{
    private static readonly Dictionary<string, SampleLocation> Empty = [];
    private readonly Dictionary<string, ModelSamples> _models = new(StringComparer.Ordinal);

    /// <summary>The model's samples by id, brought up to date with its segments.</summary>
    public IReadOnlyDictionary<string, SampleLocation> Refresh(string model)
    {
        var folder = Path.Combine(root, model);
        if (!Directory.Exists(folder))
        {
            // Only models with samples are remembered, whatever names are asked for.
            return _models.GetValueOrDefault(model)?.ById ?? Empty;
        }

        if (!_models.TryGetValue(model, out var samples))
        {
            _models[model] = samples = new ModelSamples();
        }

        foreach (var segment in Directory.EnumerateFiles(folder, "*" + SampleSegmentWriter.Extension).Order(StringComparer.Ordinal))
        {
            samples.Read[segment] = ReadOn(segment, samples.Read.GetValueOrDefault(segment), samples.ById);
        }

        return samples.ById;
    }

    /// <summary>The models that have kept samples: the store's folders.</summary>
    public IEnumerable<string> Models =>
        Directory.Exists(root) ? Directory.EnumerateDirectories(root).Select(static d => Path.GetFileName(d)!) : [];

    /// <summary>Reads a located part of a segment.</summary>
    public static byte[] Read(RecordPart part)
    {
        using var handle = File.OpenHandle(part.Segment, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        return Read(handle, part);
    }

    /// <summary>Reads a located part through a handle already open on its segment.</summary>
    public static byte[] Read(SafeFileHandle handle, RecordPart part)
    {
        var bytes = new byte[part.Length];
        if (RandomAccess.Read(handle, bytes, part.Offset) != part.Length)
        {
            throw new InvalidDataException($"{part.Segment} ends before {part.Offset + part.Length}, where a sample it recorded ends.");
        }

        return bytes;
    }

    /// <summary>Reads whole records from <paramref name="from"/> to the segment's last; returns where they end.</summary>
    private static long ReadOn(string segment, long from, Dictionary<string, SampleLocation> byId)
    {
        using var handle = File.OpenHandle(segment, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var end = RandomAccess.GetLength(handle);
        Span<byte> header = stackalloc byte[SampleRecord.FixedLength];
        var position = from;
        while (end - position >= SampleRecord.FixedLength)
        {
            RandomAccess.Read(handle, header, position);
            var length = SampleRecord.LengthOf(header);
            if (length == 0 || length > end - position)
            {
                // A record still being written, or torn by a crash: the next look tries again from here.
                break;
            }

            var record = ArrayPool<byte>.Shared.Rent(length);
            try
            {
                var bytes = record.AsSpan(0, length);
                if (RandomAccess.Read(handle, bytes, position) != length || !SampleRecord.TryRead(bytes, out var parsed))
                {
                    break;
                }

                var metadata = new RecordPart(segment, position + SampleRecord.FixedLength, parsed.MetadataLength);
                var sample = JsonSerializer.Deserialize(bytes.Slice(SampleRecord.FixedLength, parsed.MetadataLength), SampleRecordJson.Default.CapturedSample)
                    ?? throw new InvalidDataException($"{segment} holds an empty sample at {position}");
                var payload = parsed.Kind == SampleRecordKind.Sample
                    ? new RecordPart(segment, metadata.Offset + metadata.Length, length - SampleRecord.FixedLength - parsed.MetadataLength)
                    : null;
                byId[sample.Id] = Merge(byId.GetValueOrDefault(sample.Id), metadata, sample.Labels.Count, payload);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(record);
            }

            position += length;
        }

        return position;
    }

    /// <summary>
    /// The metadata with the most labels counts (labels are only ever added), whichever segment it was read from first; the
    /// payload is the sample record's. Two labels given at once on two silos tie, and either may count, as either may have
    /// been the later.
    /// </summary>
    private static SampleLocation Merge(SampleLocation? known, RecordPart metadata, int labels, RecordPart? payload) =>
        known is null ? new SampleLocation(metadata, labels, payload)
        : labels >= known.Labels ? new SampleLocation(metadata, labels, payload ?? known.Payload)
        : known with { Payload = payload ?? known.Payload };

    private sealed class ModelSamples
    {
        public Dictionary<string, long> Read { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, SampleLocation> ById { get; } = new(StringComparer.Ordinal);
    }
}

/// <summary>Bytes in a segment: the file, where they start, how many.</summary>
internal sealed record RecordPart(string Segment, long Offset, int Length);

/// <summary>Where a sample's newest metadata lies, how many labels it holds, and where its payload lies (null until its sample record is read).</summary>
internal sealed record SampleLocation(RecordPart Metadata, int Labels, RecordPart? Payload);
