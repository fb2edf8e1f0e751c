using IotAi.Models;
using IotAi.Protocol;
using Microsoft.ML.OnnxRuntime;

namespace IotAi.Inference;

/// <summary>Any model called with named tensors: what Open Inference Protocol callers and devices' tensor uplinks use.</summary>
public sealed partial class OnnxModel
{
    /// <summary>
    /// Calls the model with named tensors outside the batcher and returns the outputs asked for (all when none are), as
    /// the graph produced them: for Open Inference Protocol callers and devices' tensor uplinks. A state input left out
    /// starts from zeros. A wrong name, datatype or shape throws <see cref="TensorException"/>, naming the tensor.
    /// </summary>
    public IReadOnlyList<NamedTensor> RunTensors(IReadOnlyList<NamedTensor> inputs, IReadOnlyList<string> outputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(outputs);
        var arranged = Signature.Arrange(inputs, _stateInputs);
        var names = Signature.Outputs(outputs);
        var values = new List<OrtValue>(arranged.Length);
        try
        {
            foreach (var tensor in arranged)
            {
                values.Add(ToOrtValue(Signature.Input(tensor.Name), tensor));
            }

            if (Manifest.Backbone is { } part)
            {
                var batch = (int)arranged[0].Shape[0];
                using var composed = RunHead(part, values[0], batch, _runOptions, names);
                return [.. names.Select((name, i) => FromOrtValue(name, composed[i]))];
            }

            using var results = _session.Run(_runOptions, Signature.InputNames, values, names);
            return [.. names.Select((name, i) => FromOrtValue(name, results[i]))];
        }
        finally
        {
            values.ForEach(static v => v.Dispose());
        }
    }

    private static OrtValue ToOrtValue(TensorSignature.Spec spec, NamedTensor tensor)
    {
        long[] shape = [.. tensor.Shape];
        if (tensor.Datatype == TensorDatatype.Bytes)
        {
            var strings = OrtValue.CreateTensorWithEmptyStrings(OrtAllocator.DefaultInstance, shape);
            var i = 0;
            foreach (var s in tensor.Strings())
            {
                strings.StringTensorSetElementAt(s.AsSpan(), i++);
            }

            return strings;
        }

        var value = OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, spec.ElementType, shape);
        tensor.Data.Span.CopyTo(value.GetTensorMutableRawData());
        return value;
    }

    private static NamedTensor FromOrtValue(string name, OrtValue value)
    {
        var info = value.GetTensorTypeAndShape();
        if (!TensorDatatypes.TryFromOnnx(OnnxInspector.ElementName(info.ElementDataType), out var datatype))
        {
            throw new TensorException($"the output '{name}' is of type {info.ElementDataType}, which cannot be returned");
        }

        var data = datatype == TensorDatatype.Bytes ? NamedTensor.FromStrings(value.GetStringTensorAsArray()) : value.GetTensorMutableRawData().ToArray();
        return new NamedTensor(name, datatype, info.Shape, data);
    }
}
