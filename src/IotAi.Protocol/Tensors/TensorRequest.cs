namespace IotAi.Protocol;

/// <summary>
/// A call to a model with named tensors, from an Open Inference Protocol client or a device's tensor uplink.
/// </summary>
/// <param name="Id">The caller's id for the request, echoed in the answer.</param>
/// <param name="Inputs">The inputs, by name.</param>
/// <param name="Outputs">The outputs to return; empty for all of them.</param>
/// <param name="SequenceStart">For a stateful model: start the device's sequence afresh, from the model's initial state.</param>
/// <param name="SequenceEnd">For a stateful model: forget the device's state after this call.</param>
public sealed record TensorRequest(string? Id, IReadOnlyList<NamedTensor> Inputs, IReadOnlyList<string> Outputs, bool SequenceStart = false, bool SequenceEnd = false);

/// <summary>A model's answer to a <see cref="TensorRequest"/>.</summary>
/// <param name="ModelName">The model that answered.</param>
/// <param name="ModelVersion">The version that answered.</param>
/// <param name="Id">The request's id, if it had one.</param>
/// <param name="Outputs">The outputs asked for, or all.</param>
/// <param name="Seq">The device's sequence number for the uplink, if it sent one (MQTT only).</param>
/// <param name="SequenceStart">For a stateful model: true when this call began from the initial state (MQTT only).</param>
public sealed record TensorResponse(string ModelName, string ModelVersion, string? Id, IReadOnlyList<NamedTensor> Outputs, long? Seq = null, bool? SequenceStart = null);

/// <summary>A tensor request or answer that does not fit the protocol or the model; the message names the tensor.</summary>
public sealed class TensorException : Exception
{
    public TensorException()
    {
    }

    public TensorException(string message)
        : base(message)
    {
    }

    public TensorException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
