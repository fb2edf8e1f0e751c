namespace IotAi.Models;

/// <summary>One input or output of an ONNX graph.</summary>
/// <param name="Name">The name the graph gives it.</param>
/// <param name="ElementType">The element type: <c>float32</c>, <c>int64</c>, <c>bool</c> and so on.</param>
/// <param name="Shape">Dimensions; -1 is a dynamic one, such as the batch.</param>
public sealed record TensorSpec(string Name, string ElementType, IReadOnlyList<long> Shape);
