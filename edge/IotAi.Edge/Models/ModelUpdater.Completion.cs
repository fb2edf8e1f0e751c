using System.Diagnostics;
using IotAi.Models;
using IotAi.Protocol;
using Microsoft.Extensions.Logging;

namespace IotAi.Edge.Models;

/// <summary>
/// The end of a transfer: the next window of chunks asked for, or, once a file is whole, its check against the signed
/// hashes (and one more fetch of a file that does not match), and the model activated.
/// </summary>
public sealed partial class ModelUpdater
{
    /// <summary>Asks for the next window of missing chunks, or finishes when none are missing.</summary>
    private async Task AdvanceAsync(CancellationToken cancellationToken)
    {
        var transfer = _transfer!;
        Activity.Current = transfer.Activity;
        while (transfer.Chunks.IsComplete)
        {
            var file = transfer.Chunks.Offer;
            if (!transfer.FetchedAgain(file.Sha256) && !store.StagedFileMatches(file.Sha256, file.Chunks))
            {
                // A chunk was damaged on its way or on disk. MQTT carries no checksum and a chunk no hash of its own, so
                // which one the file's hash cannot say: the file comes again, once. Damaged again, it fails verification below.
                LogFileFetchedAgain(_deviceId, file.Sha256);
                store.DiscardStaging(file.Sha256);
                transfer.FetchAgain();
                continue;
            }

            if (!transfer.NextFile())
            {
                break;
            }
        }

        if (transfer.Chunks.Next() is { } next)
        {
            await RequestAsync(transfer, next, cancellationToken);
            return;
        }

        if (!transfer.Chunks.IsComplete)
        {
            return;
        }

        _transfer = null;
        using var finished = transfer.Activity;
        var offer = transfer.Offer;
        var backbone = offer.Parts?.SingleOrDefault(static p => p.Role == "backbone") is { } part
            ? transfer.Fetched.Contains(part.Sha256) ? store.Assemble(part.Sha256, part.Chunks) : store.ReadPart(part.Sha256)
            : null;
        var package = ModelPackage.FromParts(transfer.Manifest, store.Assemble(offer.Sha256, offer.Chunks), transfer.Signature, backbone);
        try
        {
            package.Verify(trusted);
        }
        catch (ModelVerificationException ex)
        {
            // A corrupt download is thrown away whole, and a kept part that no longer verifies with it, so the next
            // offer fetches them afresh.
            transfer.Fetched.ForEach(store.DiscardStaging);
            if (offer.Parts is { } parts)
            {
                foreach (var kept in parts.Where(p => !transfer.Fetched.Contains(p.Sha256)))
                {
                    store.DiscardPart(kept.Sha256);
                }
            }

            await ReportAsync(offer, ModelUpdateStates.Failed, ex.Message, cancellationToken);
            return;
        }

        store.Save(package);
        transfer.Fetched.ForEach(store.DiscardStaging);
        await ReportAsync(offer, ModelUpdateStates.Verified, null, cancellationToken);
        await ActivateAsync(offer, package, cancellationToken);
    }

    private bool Verifies(ModelPackage package)
    {
        try
        {
            package.Verify(trusted);
            return true;
        }
        catch (ModelVerificationException)
        {
            return false;
        }
    }

    /// <summary>The offer's parts are exactly those the signed manifest names: its backbone, by the same hash and size, or none.</summary>
    private static bool PartsMatch(ModelOffer offer, ModelManifest manifest) =>
        (offer.Parts ?? []) is var parts && manifest.Backbone is { } backbone
            ? parts is [{ Role: "backbone" } part] && part.Sha256 == backbone.Sha256 && part.Size == backbone.Bytes
            : parts.Count == 0;

    private async Task ActivateAsync(ModelOffer offer, ModelPackage package, CancellationToken cancellationToken)
    {
        try
        {
            await runtime.ActivateAsync(package);
            await ReportAsync(offer, ModelUpdateStates.Active, null, cancellationToken);
        }
#pragma warning disable CA1031 // Whatever stops the new model, the previous one keeps running and the cloud hears why.
        catch (Exception ex) when (ex is not OperationCanceledException)
#pragma warning restore CA1031
        {
            LogActivationFailed(ex, _deviceId, offer.Name, offer.Version);
            await ReportAsync(offer, ModelUpdateStates.Failed, ex.Message, cancellationToken);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Device {DeviceId} fetches the model file {Sha256} again: its chunks put together do not have that hash")]
    private partial void LogFileFetchedAgain(string deviceId, string sha256);
    [LoggerMessage(Level = LogLevel.Error, Message = "Device {DeviceId} could not start model {Model} version {Version}; the previous one keeps running")]
    private partial void LogActivationFailed(Exception exception, string deviceId, string model, string version);
}
