using System.Buffers.Binary;
using System.IO.Compression;
using System.Runtime.InteropServices;

namespace IotAi.Training;

/// <summary>
/// What each model version was trained on and is held to, as rows of the model's input, under
/// <c>{root}/{model}/versions/{version}/</c>:
/// <list type="bullet">
/// <item><c>training.rows</c>: its training rows, which training its successor replays beside the new samples;</item>
/// <item><c>regression.rows</c>: its regression set, pinned when it is registered: the holdout it was made with, and the
/// regression set of the version it replaced. A candidate may not be worse on the active version's by more than a margin.</item>
/// </list>
/// Rows rather than sample ids, because the shipped models learned from synthetic data that was never a kept sample, and
/// because a version's data must not change when kept samples are relabelled or deleted. Training rows keep the weight
/// they were trained with, so a replay of a replay keeps the proportions. Each file is written once, whole (a temporary
/// file renamed), gzip-compressed: <c>IOTAIROW</c>, the row length and count, then each row's label index, weight and
/// values, little-endian.
/// </summary>
public sealed class VersionDatasets(string root)
{
    /// <summary>The most rows kept of one version's training data; more are sampled down to this, evenly.</summary>
    public const int MaxTrainingRows = 5_000;

    /// <summary>The most rows of one version's regression set.</summary>
    public const int MaxRegressionRows = 2_000;

    private const string TrainingFile = "training.rows";
    private const string RegressionFile = "regression.rows";
    private static readonly byte[] Magic = "IOTAIROW"u8.ToArray();

    public string Root { get; } = Path.GetFullPath(root);

    public IReadOnlyList<LabelledRow>? Training(string model, string version) => Read(PathOf(model, version, TrainingFile));

    public IReadOnlyList<LabelledRow>? Regression(string model, string version) => Read(PathOf(model, version, RegressionFile));

    /// <summary>Keeps a version's training rows (at most <see cref="MaxTrainingRows"/>); returns how many were kept.</summary>
    public int SaveTraining(string model, string version, IReadOnlyList<LabelledRow> rows) => Write(PathOf(model, version, TrainingFile), Sample(rows, MaxTrainingRows));

    /// <summary>Pins a version's regression set (at most <see cref="MaxRegressionRows"/>); returns how many rows it holds.</summary>
    public int SaveRegression(string model, string version, IReadOnlyList<LabelledRow> rows) => Write(PathOf(model, version, RegressionFile), Sample(rows, MaxRegressionRows));

    /// <summary>
    /// At most <paramref name="count"/> of <paramref name="rows"/>, drawn evenly (a shuffle seeded by the count, so the
    /// same rows give the same sample), in their order.
    /// </summary>
    public static IReadOnlyList<LabelledRow> Sample(IReadOnlyList<LabelledRow> rows, int count)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count <= count)
        {
            return rows;
        }

        var random = new Random(rows.Count);
        var order = Enumerable.Range(0, rows.Count).ToArray();
        random.Shuffle(order);
        return [.. order.Take(count).Order().Select(i => rows[i])];
    }

    private string PathOf(string model, string version, string file)
    {
        if (!Models.ModelRegistry.IsValidName(model) || !Models.ModelRegistry.IsValidName(version))
        {
            throw new ArgumentException($"'{model}' version '{version}' cannot name a folder");
        }

        return Path.Combine(Root, model, "versions", version, file);
    }

    private static int Write(string path, IReadOnlyList<LabelledRow> rows)
    {
        if (rows.Count == 0)
        {
            return 0;
        }

        var length = rows[0].Features.Length;
        if (rows.Any(r => r.Features.Length != length))
        {
            throw new ArgumentException("every row of a version's data has the same length", nameof(rows));
        }

        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = path + ".tmp";
        using (var file = File.Create(temporary))
        using (var zip = new GZipStream(file, CompressionLevel.Fastest))
        {
            Span<byte> header = stackalloc byte[8];
            zip.Write(Magic);
            BinaryPrimitives.WriteInt32LittleEndian(header, length);
            BinaryPrimitives.WriteInt32LittleEndian(header[4..], rows.Count);
            zip.Write(header);
            foreach (var row in rows)
            {
                BinaryPrimitives.WriteInt32LittleEndian(header, row.LabelIndex);
                BinaryPrimitives.WriteSingleLittleEndian(header[4..], row.Weight);
                zip.Write(header);
                zip.Write(MemoryMarshal.AsBytes(row.Features.AsSpan()));
            }
        }

        File.Move(temporary, path, overwrite: true);
        return rows.Count;
    }

    private static List<LabelledRow>? Read(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        using var zip = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        Span<byte> header = stackalloc byte[16];
        zip.ReadExactly(header);
        if (!header[..8].SequenceEqual(Magic))
        {
            throw new InvalidDataException($"{path} is not a file of model rows");
        }

        var length = BinaryPrimitives.ReadInt32LittleEndian(header[8..]);
        var count = BinaryPrimitives.ReadInt32LittleEndian(header[12..]);
        if (length is <= 0 or > 1 << 24 || count < 0)
        {
            throw new InvalidDataException($"{path} says it holds {count} rows of {length} values");
        }

        var rows = new List<LabelledRow>(count);
        for (var i = 0; i < count; i++)
        {
            zip.ReadExactly(header[..8]);
            var features = new float[length];
            zip.ReadExactly(MemoryMarshal.AsBytes(features.AsSpan()));
            rows.Add(new LabelledRow(features, BinaryPrimitives.ReadInt32LittleEndian(header), BinaryPrimitives.ReadSingleLittleEndian(header[4..])));
        }

        return rows;
    }
}
