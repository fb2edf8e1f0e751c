namespace IotAi.Inference;

/// <summary>One output tensor as the graph produced it, for clients that want more than the scores.</summary>
/// <param name="Name">The output's name.</param>
/// <param name="ElementType">The manifest's element type name: <c>float32</c>, <c>int64</c>, <c>bool</c>…</param>
/// <param name="Shape">The tensor's shape, batch first.</param>
/// <param name="Data">The values, row after row, as a typed array.</param>
public sealed record RawOutput(string Name, string ElementType, IReadOnlyList<long> Shape, Array Data);
