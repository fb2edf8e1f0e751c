using IotAi.Inference;
using IotAi.Models;
using IotAi.Protocol;
using Microsoft.Extensions.Logging;

namespace IotAi.Grains.Devices;

/// <summary>
/// Answers a tensor uplink: a call to any model with named tensors, in the Open Inference Protocol's JSON form or the
/// binary form (<see cref="TensorBinary"/>). For a stateful model it feeds the device's state in and keeps what comes
/// out (<see cref="DeviceSequences"/>). The reply carries the outputs in OIP's JSON form.
/// </summary>
internal sealed partial class TensorAnswerer(DeviceActivation device, IModelHost models, TwinKeeper twin, ILogger logger)
{
    private readonly DeviceSequences _sequences = new(device.Clock);

    public UplinkReply Answer(Uplink uplink)
    {
        var call = uplink.Tensor ?? new TensorUplink(null, [], [], false, false);
        var model = call.Model is null ? models.ForKind(PayloadKind.Tensor) : models.Active(call.Model);
        if (model is null)
        {
            var message = call.Model is null ? "no model serves tensor payloads: name one in the topic, devices/{id}/up/tensor/{model}" : $"no model named '{call.Model}' is serving";
            return device.Reject(uplink.Topic, uplink.Seq, UplinkOutcome.NoModel, ErrorCodes.NoModel, message);
        }

        if (uplink.Seq is long s && twin.IsRepeat(s))
        {
            return new UplinkReply(UplinkOutcome.Duplicate, null);
        }

        var manifest = model.Manifest;
        TensorRequest request;
        try
        {
            request = Read(uplink, call);
            foreach (var given in request.Inputs)
            {
                if (manifest.StatePairs.Any(p => p.Input == given.Name))
                {
                    throw new TensorException($"'{given.Name}' is state the gateway carries for the device from call to call: leave it out (sequence_start starts afresh)");
                }
            }
        }
        catch (TensorException ex)
        {
            return device.Invalid(uplink.Topic, uplink.Seq, ex.Message);
        }
        catch (Exception ex) when (ex is InvalidOperationException or FormatException or System.Text.Json.JsonException)
        {
            // A reader's own refusal of something the tensor reader did not foresee: still the device's payload, never worth sending again.
            return device.Invalid(uplink.Topic, uplink.Seq, $"the tensor request cannot be read: {ex.Message}");
        }

        var stateful = manifest.StatePairs.Count != 0;
        var (state, fresh) = stateful ? _sequences.Take(manifest, request.SequenceStart) : ([], false);
        // The state outputs are always run, to be kept; the device gets what it asked for.
        IReadOnlyList<string> run = request.Outputs.Count == 0 || !stateful ? request.Outputs : [.. request.Outputs.Union(manifest.StatePairs.Select(static p => p.Output))];
        IReadOnlyList<NamedTensor> outputs;
        try
        {
            outputs = model.RunTensors([.. request.Inputs, .. state], run);
        }
        catch (TensorException ex)
        {
            return device.Invalid(uplink.Topic, uplink.Seq, ex.Message);
        }
#pragma warning disable CA1031 // The device gets an error reply whatever broke; the cause goes to the log.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogTensorCallFailed(ex, device.DeviceId, manifest.Name);
            return device.Reject(uplink.Topic, uplink.Seq, UplinkOutcome.Failed, ErrorCodes.InferenceFailed, "the model failed on these inputs");
        }

        if (stateful)
        {
            _sequences.Keep(manifest, outputs, request.SequenceEnd);
        }

        if (uplink.Seq is long handled)
        {
            twin.Handled(handled);
        }

        twin.Count(PayloadKind.Tensor);
        device.State.Counters.Results++;
        var answered = request.Outputs.Count == 0
            ? outputs.Where(o => !manifest.StatePairs.Any(p => p.Output == o.Name)).ToList()
            : outputs.Where(o => request.Outputs.Contains(o.Name)).ToList();
        var response = new TensorResponse(manifest.Name, manifest.Version, request.Id, answered, uplink.Seq, stateful ? fresh : null);
        return new UplinkReply(UplinkOutcome.Accepted, new DownlinkMessage(DownlinkKind.Result, TensorJson.ToUtf8(response)));
    }

    /// <summary>The binary form when the uplink has <c>tensor</c> headers, else OIP JSON; the user properties' flags and outputs join the JSON's own.</summary>
    private static TensorRequest Read(Uplink uplink, TensorUplink call)
    {
        if (call.Headers.Count != 0)
        {
            return new TensorRequest(null, TensorBinary.Read(call.Headers, uplink.Payload), call.Outputs, call.SequenceStart, call.SequenceEnd);
        }

        var request = TensorJson.ReadRequest(uplink.Payload);
        return request with
        {
            Outputs = request.Outputs.Count != 0 ? request.Outputs : call.Outputs,
            SequenceStart = request.SequenceStart || call.SequenceStart,
            SequenceEnd = request.SequenceEnd || call.SequenceEnd,
        };
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Model {Model} failed on a tensor uplink from {DeviceId}")]
    private partial void LogTensorCallFailed(Exception exception, string deviceId, string model);
}
