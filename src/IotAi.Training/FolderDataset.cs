using IotAi.Inference;
using IotAi.Models;

namespace IotAi.Training;

/// <summary>
/// A folder of labelled images, one subfolder per class (Keras' <c>flow_from_directory</c> layout):
/// <c>{folder}/{class}/**/*.png</c>, and JPEG, BMP, GIF or WebP. The classes are the subfolders' names in ordinal
/// order. Every image goes through <see cref="ImagePreprocessor"/> with the model's recipe, as the gateway and the
/// edge will read it; one that cannot be read is left out and reported, not fatal, unless a class is left with none.
/// With a pretrained backbone, each image's row is the backbone's embedding of it, from an <see cref="EmbeddingCache"/>.
/// </summary>
public static class FolderDataset
{
    /// <summary>The file endings read as images, in any case; other files are passed over.</summary>
    public static IReadOnlyList<string> Extensions { get; } = [".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp"];

    /// <param name="directory">The folder, a subfolder per class.</param>
    /// <param name="recipe">How an image becomes the model's (or the backbone's) input.</param>
    /// <param name="progress">Hears how the reading goes.</param>
    /// <param name="backbone">For transfer learning: the backbone whose embeddings the rows become.</param>
    /// <param name="cache">Where embeddings are kept between runs; a folder beside the data by default.</param>
    public static LabelledDataset Read(string directory, ImagePreprocessing recipe, IProgress<string>? progress = null, PretrainedBackbone? backbone = null, EmbeddingCache? cache = null)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(recipe);
        var root = new DirectoryInfo(directory);
        if (!root.Exists)
        {
            throw new DirectoryNotFoundException($"{directory} does not exist");
        }

        List<DirectoryInfo> classes = [.. root.EnumerateDirectories().Where(static d => !d.Name.StartsWith('.')).OrderBy(static d => d.Name, StringComparer.Ordinal)];
        if (classes.Count < 2)
        {
            throw new InvalidDataException(classes.Count == 0
                ? $"{directory} has no class subfolders: put each class's images in a subfolder named after the class"
                : $"{directory} has one class, '{classes[0].Name}': a model tells classes apart, so it needs a subfolder for each of at least two");
        }

        var files = classes
            .SelectMany(static (folder, label) => folder.EnumerateFiles("*", SearchOption.AllDirectories)
                .Where(static f => !f.Name.StartsWith('.') && Extensions.Contains(f.Extension, StringComparer.OrdinalIgnoreCase))
                .OrderBy(static f => f.FullName, StringComparer.Ordinal)
                .Select(f => (File: f, Label: label)))
            .ToList();
        var examples = new DatasetExample?[files.Count];
        var skipped = new SkippedInput?[files.Count];
        var done = 0;
        progress?.Report($"reading {files.Count} images");
        if (backbone is not null)
        {
            Embed(root, files, recipe, backbone, cache ?? new EmbeddingCache(Path.Combine(root.FullName, ".iotai-embeddings")), examples, skipped, progress);
        }
        else
        {
            Parallel.For(0, files.Count, i =>
            {
                var (file, label) = files[i];
                var id = Path.GetRelativePath(root.FullName, file.FullName).Replace('\\', '/');
                var features = new float[recipe.InputLength];
                var error = Preprocess(file, recipe, features);
                if (error is null)
                {
                    examples[i] = new DatasetExample(id, new LabelledRow(features, label));
                }
                else
                {
                    skipped[i] = new SkippedInput(id, error);
                }

                var count = Interlocked.Increment(ref done);
                if (count % 250 == 0)
                {
                    progress?.Report($"reading images: {count} of {files.Count}");
                }
            });
        }

        List<DatasetExample> read = [.. examples.OfType<DatasetExample>()];
        var empty = classes.Where((_, label) => read.TrueForAll(e => e.Row.LabelIndex != label)).Select(static d => d.Name).ToList();
        if (empty.Count > 0)
        {
            var first = skipped.OfType<SkippedInput>().FirstOrDefault();
            throw new InvalidDataException($"{directory}: no readable image in {string.Join(", ", empty.Select(static c => $"'{c}'"))}; every class needs some"
                + (first is null ? "" : $" (the first unreadable one: {first.Where}: {first.Reason})"));
        }

        return new LabelledDataset($"folder:{root.Name}", [.. classes.Select(static d => d.Name)], [], recipe, read, [.. skipped.OfType<SkippedInput>()], backbone);
    }

    /// <summary>The backbone's embedding of every image, a batch of files at a time, so only a batch of pictures is in memory at once.</summary>
    private static void Embed(DirectoryInfo root, List<(FileInfo File, int Label)> files, ImagePreprocessing recipe, PretrainedBackbone backbone, EmbeddingCache cache,
        DatasetExample?[] examples, SkippedInput?[] skipped, IProgress<string>? progress)
    {
        const int chunk = 64;
        // One session for the whole folder, opened only if some image is not in the cache.
        var embedder = new Lazy<Embedder>(() => backbone.OpenEmbedder(Environment.ProcessorCount));
        try
        {
            EmbedChunks(root, files, recipe, backbone, cache, examples, skipped, progress, chunk, embedder);
        }
        finally
        {
            if (embedder.IsValueCreated)
            {
                embedder.Value.Dispose();
            }
        }
    }

    private static void EmbedChunks(DirectoryInfo root, List<(FileInfo File, int Label)> files, ImagePreprocessing recipe, PretrainedBackbone backbone, EmbeddingCache cache,
        DatasetExample?[] examples, SkippedInput?[] skipped, IProgress<string>? progress, int chunk, Lazy<Embedder> embedder)
    {
        for (var start = 0; start < files.Count; start += chunk)
        {
            var slice = files.Skip(start).Take(chunk).ToList();
            var errors = new string?[slice.Count];
            var bytes = slice.Select((f, i) => ReadBytes(f.File, out errors[i])).ToList();
            var embeddings = cache.Embed(bytes, backbone, recipe, errors, embedder);
            for (var i = 0; i < slice.Count; i++)
            {
                var id = Path.GetRelativePath(root.FullName, slice[i].File.FullName).Replace('\\', '/');
                if (embeddings[i] is { } embedding && errors[i] is null)
                {
                    examples[start + i] = new DatasetExample(id, new LabelledRow(embedding, slice[i].Label));
                }
                else
                {
                    skipped[start + i] = new SkippedInput(id, errors[i] ?? "the image could not be read");
                }
            }

            progress?.Report($"embedding images with {backbone.Name}: {Math.Min(start + chunk, files.Count)} of {files.Count}");
        }
    }

    private static byte[] ReadBytes(FileInfo file, out string? error)
    {
        try
        {
            error = null;
            return File.ReadAllBytes(file.FullName);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            error = ex.Message;
            return [];
        }
    }

    private static string? Preprocess(FileInfo file, ImagePreprocessing recipe, float[] features)
    {
        try
        {
            return ImagePreprocessor.TryPreprocessAnyFormat(File.ReadAllBytes(file.FullName), recipe, features);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return ex.Message;
        }
    }
}
