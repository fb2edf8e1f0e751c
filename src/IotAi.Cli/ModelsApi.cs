using System.CommandLine;
using System.Net;
using System.Text.Json;
using IotAi.Client;
using IotAi.Models;
using Spectre.Console;

namespace IotAi.Cli;

/// <summary><c>iotai models … --url</c>: the same registry operations through a silo's model API, uploads with a progress bar.</summary>
internal sealed class ModelsApi(IotAiClient api) : IDisposable
{
    private readonly IotAiClient _api = api;

    /// <summary>A client for the silo of <paramref name="silo"/>'s <c>--url</c>, without a timeout, since uploads of large models take their time.</summary>
    public static ModelsApi Connect(SiloConnection silo, ParseResult parse) => new(silo.Client(parse, timeout: Timeout.InfiniteTimeSpan));

    /// <summary>Uploads a package to <c>/api/models</c>, or an ONNX file to <c>/api/models/onnx?…</c> for the silo to sign.</summary>
    public async Task<ModelSummary> ImportAsync(FileInfo file, string? onnxQuery, CancellationToken cancellationToken)
    {
        ModelSummary? imported = null;
        await AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new TransferSpeedColumn(), new RemainingTimeColumn())
            .StartAsync(async progress =>
            {
                var bar = progress.AddTask(Markup.Escape($"uploading {file.Name}"), maxValue: Math.Max(1, file.Length));
                await using var stream = file.OpenRead();
                using var content = new ProgressStreamContent(stream, sent => bar.Value = sent);
                imported = await _api.ImportModelAsync(content, onnxQuery, cancellationToken);
                bar.Value = bar.MaxValue;
            });
        return imported!;
    }

    public Task<IReadOnlyList<ModelSummary>> ListAsync(CancellationToken cancellationToken) => _api.ListModelsAsync(cancellationToken);

    /// <summary>The version's state, signature and manifest, as the silo writes them.</summary>
    public Task<JsonElement> InspectAsync(string name, string version, CancellationToken cancellationToken) => _api.GetModelAsync(name, version, cancellationToken);

    /// <summary>Promotes, deprecates or deletes a version; returns its new state, or null once deleted.</summary>
    public Task<string?> ChangeAsync(string verb, string name, string version, CancellationToken cancellationToken) => _api.ChangeModelAsync(verb, name, version, cancellationToken);

    public void Dispose() => _api.Dispose();

    /// <summary>Streams a file as the request body, telling how many bytes have gone.</summary>
    private sealed class ProgressStreamContent(Stream source, Action<long> sent) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            var buffer = new byte[81920];
            long total = 0;
            int read;
            while ((read = await source.ReadAsync(buffer)) > 0)
            {
                await stream.WriteAsync(buffer.AsMemory(0, read));
                total += read;
                sent(total);
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = source.Length;
            return true;
        }
    }
}
