using System.CommandLine;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using IotAi.Gateway.Http;
using IotAi.Models;
using Spectre.Console;

namespace IotAi.Cli;

/// <summary><c>iotai models … --url</c>: the same registry operations through a silo's model API, uploads with a progress bar.</summary>
internal sealed class ModelsApi(HttpClient http) : IDisposable
{
    private readonly HttpClient _http = http;

    /// <summary>A client for the silo of <paramref name="silo"/>'s <c>--url</c>, without a timeout, since uploads of large models take their time.</summary>
    public static ModelsApi Connect(SiloConnection silo, ParseResult parse) => new(silo.Connect(parse, timeout: Timeout.InfiniteTimeSpan));

    /// <summary>Uploads a package to <c>/api/models</c>, or an ONNX file to <c>/api/models/onnx?…</c> for the silo to sign.</summary>
    public async Task<ModelSummary> ImportAsync(FileInfo file, string? onnxQuery, CancellationToken cancellationToken)
    {
        var path = onnxQuery is null ? "/api/models" : $"/api/models/onnx?{onnxQuery}";
        HttpResponseMessage? response = null;
        await AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new TransferSpeedColumn(), new RemainingTimeColumn())
            .StartAsync(async progress =>
            {
                var bar = progress.AddTask(Markup.Escape($"uploading {file.Name}"), maxValue: Math.Max(1, file.Length));
                await using var stream = file.OpenRead();
                using var content = new ProgressStreamContent(stream, sent => bar.Value = sent);
                response = await _http.PostAsync(path, content, cancellationToken);
                bar.Value = bar.MaxValue;
            });
        return await SiloReplies.ReadAsync<ModelSummary>(response!, cancellationToken);
    }

    public async Task<IReadOnlyList<ModelSummary>> ListAsync(CancellationToken cancellationToken) =>
        await SiloReplies.ReadAsync<List<ModelSummary>>(await _http.GetAsync("/api/models", cancellationToken), cancellationToken);

    /// <summary>The version's state, signature and manifest, as the silo writes them.</summary>
    public async Task<string> InspectAsync(string name, string version, CancellationToken cancellationToken)
    {
        var response = await _http.GetAsync(VersionPath(name, version), cancellationToken);
        await SiloReplies.ThrowIfRefusedAsync(response, cancellationToken);
        return await response.Content.ReadAsStringAsync(cancellationToken);
    }

    /// <summary>Promotes, deprecates or deletes a version; returns its new state, or null once deleted.</summary>
    public async Task<string?> ChangeAsync(string verb, string name, string version, CancellationToken cancellationToken)
    {
        var response = verb == "delete"
            ? await _http.DeleteAsync(VersionPath(name, version), cancellationToken)
            : await _http.PostAsync($"{VersionPath(name, version)}/{verb}", null, cancellationToken);
        return response.StatusCode == HttpStatusCode.NoContent ? null : (await SiloReplies.ReadAsync<ModelSummary>(response, cancellationToken)).State;
    }

    public void Dispose() => _http.Dispose();

    private static string VersionPath(string name, string version) => $"/api/models/{Uri.EscapeDataString(name)}/versions/{Uri.EscapeDataString(version)}";

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
