using System.Runtime.CompilerServices;
using System.Threading.Channels;
using IotAi.Edge.Models;
using IotAi.Inference;
using IotAi.Protocol;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace IotAi.Edge.Sources;

/// <summary>
/// Sends every JPEG or PNG that appears under <see cref="EdgeAgentOptions.WatchFolder"/> (and those already
/// there at start), resized to what the local image model reads, as its manifest's preprocessing says, so
/// the link carries a few kilobytes instead of the full picture. An image in a subfolder is labelled with the
/// subfolder's name (the class-per-folder layout). Once an image is in the queue its file moves to
/// <c>sent/</c>; one that cannot be read moves to <c>rejected/</c>. Writers should write elsewhere and move
/// the file in; a file still being written is left until it has not changed for <see cref="EdgeAgentOptions.WatchSettleTime"/>.
/// </summary>
public sealed partial class FolderWatcherSource(
    IOptions<EdgeAgentOptions> options,
    EdgeModelRuntime models,
    TimeProvider timeProvider,
    ILogger<FolderWatcherSource> logger) : ISampleSource
{
    public const string SourceName = "folder";
    public const string SentFolder = "sent";
    public const string RejectedFolder = "rejected";

    public string Name => SourceName;

    public async IAsyncEnumerable<EdgeSample> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var root = Path.GetFullPath(settings.WatchFolder ?? throw new InvalidOperationException("Edge:WatchFolder is not set."));
        Directory.CreateDirectory(root);
        var found = Channel.CreateUnbounded<string>();
        using var watcher = new FileSystemWatcher(root)
        {
            IncludeSubdirectories = true,
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size,
        };
        watcher.Created += (_, e) => found.Writer.TryWrite(e.FullPath);
        watcher.Changed += (_, e) => found.Writer.TryWrite(e.FullPath);
        watcher.Renamed += (_, e) => found.Writer.TryWrite(e.FullPath);
        watcher.EnableRaisingEvents = true;
        foreach (var existing in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            found.Writer.TryWrite(existing);
        }

        LogWatching(logger, root);
        while (true)
        {
            var path = await found.Reader.ReadAsync(cancellationToken);
            var relative = Path.GetRelativePath(root, path);
            if (!IsImageName(path) || IsSetAside(relative) || !await SettledAsync(path, settings.WatchSettleTime, cancellationToken))
            {
                continue;
            }

            var sample = await PrepareAsync(path, relative, cancellationToken);
            if (sample is null)
            {
                MoveTo(root, RejectedFolder, relative);
                continue;
            }

            yield return sample;

            // Back here, the agent has queued the sample on disk: the file can go.
            MoveTo(root, SentFolder, relative);
        }
    }

    private async Task<EdgeSample?> PrepareAsync(string path, string relative, CancellationToken cancellationToken)
    {
        byte[] bytes;
        try
        {
            bytes = await File.ReadAllBytesAsync(path, cancellationToken);
        }
        catch (IOException ex)
        {
            LogUnreadable(logger, relative, ex.Message);
            return null;
        }

        var recipe = models.ForKind(PayloadKind.Image)?.Manifest.Image;
        byte[]? payload;
        string? error = null;
        if (recipe is not null)
        {
            payload = ImagePreprocessor.TryResizeToPng(bytes, recipe, out error);
        }
        else
        {
            payload = ContentTypes.SniffImage(bytes) is null ? null : bytes;
            error = payload is null ? "it is not a JPEG or PNG image" : null;
        }

        if (payload is null)
        {
            LogUnreadable(logger, relative, error ?? "unknown");
            return null;
        }

        var folders = Path.GetDirectoryName(relative);
        var label = string.IsNullOrEmpty(folders) ? null : folders.Split(Path.DirectorySeparatorChar)[0];
        return new EdgeSample(PayloadKind.Image, payload, ContentTypes.SniffImage(payload)!, timeProvider.GetUtcNow(), label);
    }

    /// <summary>Waits until the file has not been written for <paramref name="settle"/>; false if it is gone.</summary>
    private async Task<bool> SettledAsync(string path, TimeSpan settle, CancellationToken cancellationToken)
    {
        while (true)
        {
            var file = new FileInfo(path);
            if (!file.Exists)
            {
                return false;
            }

            var quiet = timeProvider.GetUtcNow() - new DateTimeOffset(file.LastWriteTimeUtc, TimeSpan.Zero);
            if (quiet >= settle)
            {
                return true;
            }

            await Task.Delay(settle - quiet, timeProvider, cancellationToken);
        }
    }

    private void MoveTo(string root, string folder, string relative)
    {
        var target = Path.Combine(root, folder, relative);
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Move(Path.Combine(root, relative), target, overwrite: true);
        }
        catch (IOException ex)
        {
            LogNotMoved(logger, relative, folder, ex.Message);
        }
    }

    private static bool IsImageName(string path) =>
        Path.GetExtension(path).ToLowerInvariant() is ".jpg" or ".jpeg" or ".png";

    private static bool IsSetAside(string relative) =>
        relative.StartsWith(SentFolder + Path.DirectorySeparatorChar, StringComparison.Ordinal)
        || relative.StartsWith(RejectedFolder + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    [LoggerMessage(Level = LogLevel.Information, Message = "Watching {Folder} for JPEG and PNG images")]
    private static partial void LogWatching(ILogger logger, string folder);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Set aside {File}: {Reason}")]
    private static partial void LogUnreadable(ILogger logger, string file, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not move {File} to {Folder}: {Reason}; it may be sent again after a restart")]
    private static partial void LogNotMoved(ILogger logger, string file, string folder, string reason);
}
