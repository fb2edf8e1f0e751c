using System.Diagnostics;
using System.Text.Json;
using System.Threading.Channels;
using IotAi.Models;
using IotAi.Protocol;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace IotAi.Edge.Models;

/// <summary>
/// Takes a model offer through to a running model: checks the signature before fetching anything, fetches
/// the missing chunks a window at a time into the store, one file after another (the model file, then any part
/// the device does not hold already: a new head on a backbone it has costs only the head), checks every file against
/// the signed hashes, activates the model, and reports each step to the cloud. Offers and chunks arrive on the MQTT receive path,
/// which also carries this client's acknowledgements, so they are queued here and handled on the agent's own
/// loop: awaiting a publish on the receive path would wait for an acknowledgement it is itself holding up.
/// </summary>
public sealed partial class ModelUpdater(
    IOptions<EdgeAgentOptions> options,
    EdgeModelStore store,
    EdgeModelRuntime runtime,
    TrustedKeys trusted,
    ControlChannel control,
    ILogger<ModelUpdater> logger)
{
    private readonly string _deviceId = options.Value.DeviceId;
    private readonly int _window = options.Value.FetchWindow;
    private readonly TimeSpan _retryAfter = options.Value.FetchRetryAfter;
    private readonly Channel<Func<CancellationToken, Task>> _work = Channel.CreateBounded<Func<CancellationToken, Task>>(
        new BoundedChannelOptions(256) { SingleReader = true, FullMode = BoundedChannelFullMode.DropOldest });

    private Transfer? _transfer;

    /// <summary>Takes an offer; <paramref name="parent"/> is the context of the cloud's span that sent it, which the update's span continues.</summary>
    public void Offer(ModelOffer offer, ActivityContext parent = default) => _work.Writer.TryWrite(ct => OnOfferAsync(offer, parent, ct));

    public void Chunk(string sha256, int index, byte[] payload) => _work.Writer.TryWrite(ct => OnChunkAsync(sha256, index, payload, ct));

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var watchdog = WatchAsync(cancellationToken);
        await foreach (var work in _work.Reader.ReadAllAsync(cancellationToken))
        {
            try
            {
                await work(cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                LogUpdateStepFailed(ex, _deviceId);
            }
        }

        await watchdog;
    }

    /// <summary>
    /// A fetch or a chunk can be lost without the connection dropping (a publish that timed out, a broker queue
    /// that overflowed); without this the transfer would wait for ever. Requests unanswered for a while are sent again.
    /// </summary>
    private async Task WatchAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_retryAfter);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                _work.Writer.TryWrite(async ct =>
                {
                    if (_transfer is { } transfer && transfer.Chunks.Stale() is { } again)
                    {
                        await RequestAsync(transfer, again, ct);
                    }
                });
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The agent is stopping.
        }
    }

    private async Task OnOfferAsync(ModelOffer offer, ActivityContext parent, CancellationToken cancellationToken)
    {
        if (_transfer is { } running && running.Offer.Sha256 == offer.Sha256)
        {
            // The cloud repeats an offer on connect and on subscribe. A repeat while chunks are on their way is
            // ignored; one that finds requests unanswered for a while (a connection lost meanwhile) asks again.
            if (running.Chunks.Stale() is { } again)
            {
                await RequestAsync(running, again, cancellationToken);
            }

            return;
        }

        // One span per update, from the offer to the model running or refused; what it publishes (fetches, status
        // reports) carries its context, so the silo's serving of the chunks joins the trace the offer began.
        var activity = EdgeTelemetry.Source.StartActivity($"model update {offer.Name}", ActivityKind.Consumer, parent);
        activity?.SetTag("iotai.model", offer.Name);
        activity?.SetTag("iotai.model.version", offer.Version);
        try
        {
            if (await TakeOfferAsync(offer, activity, cancellationToken))
            {
                // A transfer has started and ends the span when it ends.
                activity = null;
            }
        }
        finally
        {
            activity?.Dispose();
        }
    }

    /// <summary>Checks an offer and starts its transfer; true when a transfer started, false when the offer was settled at once.</summary>
    private async Task<bool> TakeOfferAsync(ModelOffer offer, Activity? activity, CancellationToken cancellationToken)
    {
        if (runtime.Active(offer.Name)?.Manifest.Version == offer.Version)
        {
            // The version running, as a rollback offers it: a download of another version still going must not swap that one in later.
            DropTransferOf(offer.Name);
            await ReportAsync(offer, ModelUpdateStates.Active, null, cancellationToken);
            return false;
        }

        byte[] manifestBytes;
        ModelManifest manifest;
        var signature = new ModelSignature(offer.KeyId, offer.Algorithm, offer.Signature);
        try
        {
            manifestBytes = Convert.FromBase64String(offer.Manifest);
            trusted.Verify(manifestBytes, signature);
            manifest = ModelPackage.ReadManifest(manifestBytes);
            if (manifest.Name != offer.Name || manifest.Version != offer.Version || manifest.Sha256 != offer.Sha256 || !PartsMatch(offer, manifest))
            {
                throw new ModelVerificationException("the offer does not match its signed manifest");
            }

            if (!manifest.IsClassifier)
            {
                // Refused before a byte is fetched: the agent could not run it.
                throw new ModelVerificationException("it is a tensor model: the cloud serves those, the edge agent runs classifiers");
            }
        }
        catch (Exception ex) when (ex is ModelVerificationException or FormatException)
        {
            LogOfferRefused(_deviceId, offer.Name, offer.Version, ex.Message);
            await ReportAsync(offer, ModelUpdateStates.Failed, ex.Message, cancellationToken);
            return false;
        }

        if (store.Load(offer.Name, offer.Version) is { } kept && (kept.Manifest.Backbone is null || kept.Backbone is not null))
        {
            if (Verifies(kept))
            {
                // A version the device already has, such as the one a rollback returns to: no download needed.
                DropTransferOf(offer.Name);
                await ActivateAsync(offer, kept, cancellationToken);
                return false;
            }

            // A kept file changed on disk: its backbone is forgotten and the version fetched afresh.
            if (kept.Manifest.Backbone is { } part)
            {
                store.DiscardPart(part.Sha256);
            }
        }

        // A newer offer replaces a transfer still going; that one's span ends here.
        EndTransfer();
        // The model file first, then each part the device does not hold; parts it holds are verified again when the model is put together.
        var files = new Queue<ModelOffer>([offer, .. (offer.Parts ?? []).Where(p => !store.HasPart(p.Sha256)).Select(offer.ForPart)]);
        _transfer = new Transfer(offer, files, manifestBytes, signature, file => new ModelTransfer(file, store.MissingChunks(file.Sha256, file.Chunks), _window, staleAfter: _retryAfter)) { Activity = activity };
        await ReportAsync(offer, ModelUpdateStates.Downloading, null, cancellationToken);
        await AdvanceAsync(cancellationToken);
        return true;
    }

    /// <summary>
    /// Ends a transfer of another version of <paramref name="name"/> still going, because the cloud now wants a version the
    /// device holds; chunks of it that still arrive are not wanted, and the ones fetched stay staged for a later offer.
    /// </summary>
    private void DropTransferOf(string name)
    {
        if (_transfer?.Offer.Name == name)
        {
            EndTransfer();
        }
    }

    /// <summary>Ends the transfer still going, if any, and its span, leaving the span of the offer that ends it current.</summary>
    private void EndTransfer()
    {
        // Ending a span makes current the one that was current when it began, not the one current now.
        var current = Activity.Current;
        _transfer?.Activity?.Dispose();
        Activity.Current = current;
        _transfer = null;
    }

    private async Task OnChunkAsync(string sha256, int index, byte[] payload, CancellationToken cancellationToken)
    {
        if (_transfer is not { } transfer)
        {
            return;
        }

        switch (transfer.Chunks.Arrived(sha256, index, payload.Length))
        {
            case ChunkArrival.WrongLength:
                LogBadChunk(_deviceId, index, payload.Length, transfer.Chunks.ExpectedLength(index));
                return;
            case ChunkArrival.NotWanted:
                // Not ours, or a chunk we have: a repeat after a retry, or a stray.
                return;
        }

        store.WriteChunk(sha256, index, payload);
        if (transfer.Chunks.Outstanding == 0)
        {
            await AdvanceAsync(cancellationToken);
        }
    }

    private async Task RequestAsync(Transfer transfer, ModelFetch fetch, CancellationToken cancellationToken)
    {
        Activity.Current = transfer.Activity;
        await control.PublishAsync(DeviceTopics.ModelFetch(_deviceId), JsonSerializer.SerializeToUtf8Bytes(fetch, ProtocolJson.Wire.ModelFetch), cancellationToken);
    }

    /// <summary>Tells the cloud how the update stands; the update's span, current here, records each step as an event.</summary>
    private Task ReportAsync(ModelOffer offer, string state, string? reason, CancellationToken cancellationToken)
    {
        Activity.Current?.AddEvent(new ActivityEvent(state));
        if (state == ModelUpdateStates.Failed)
        {
            Activity.Current?.SetStatus(ActivityStatusCode.Error, reason);
        }

        return control.PublishAsync(DeviceTopics.ModelStatus(_deviceId), JsonSerializer.SerializeToUtf8Bytes(new ModelStatusReport(offer.Name, offer.Version, state, reason), ProtocolJson.Wire.ModelStatusReport), cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Device {DeviceId} refused model {Model} version {Version}: {Reason}")]
    private partial void LogOfferRefused(string deviceId, string model, string version, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Device {DeviceId} got chunk {Index} of {Length} bytes, expected {Expected}")]
    private partial void LogBadChunk(string deviceId, int index, int length, long expected);

    [LoggerMessage(Level = LogLevel.Error, Message = "Device {DeviceId} failed a model update step")]
    private partial void LogUpdateStepFailed(Exception exception, string deviceId);
}
