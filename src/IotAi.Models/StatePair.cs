namespace IotAi.Models;

/// <summary>
/// One piece of a stateful model's state: what <see cref="Output"/> gives on a device's call is fed to
/// <see cref="Input"/> on its next, as Triton's sequence batcher does with implicit state.
/// </summary>
/// <param name="Input">The graph input that takes the state.</param>
/// <param name="Output">The graph output that gives the next state.</param>
public sealed record StatePair(string Input, string Output)
{
    /// <summary>Reads <c>input=output</c>, as the command line and the model API write a pair.</summary>
    public static StatePair Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Split('=', StringSplitOptions.TrimEntries);
        return parts is [{ Length: > 0 } input, { Length: > 0 } output]
            ? new StatePair(input, output)
            : throw new FormatException($"A state pair is INPUT=OUTPUT, such as h=h_next, not '{text}'.");
    }

    /// <summary>
    /// Why the pair cannot carry state in a graph with these inputs and outputs: a name the graph lacks, a name paired
    /// twice, or an input and an output whose element types or shapes differ (a dynamic dimension matches any). Null when it can.
    /// </summary>
    public string? Problem(IReadOnlyList<TensorSpec> inputs, IReadOnlyList<TensorSpec> outputs, IReadOnlyList<StatePair> all)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(outputs);
        ArgumentNullException.ThrowIfNull(all);
        var input = inputs.FirstOrDefault(t => t.Name == Input);
        var output = outputs.FirstOrDefault(t => t.Name == Output);
        if (input is null)
        {
            return $"the state input '{Input}' is not an input of the graph (it has {string.Join(", ", inputs.Select(static t => t.Name))})";
        }

        if (output is null)
        {
            return $"the state output '{Output}' is not an output of the graph (it has {string.Join(", ", outputs.Select(static t => t.Name))})";
        }

        if (all.Count(p => p.Input == Input) > 1 || all.Count(p => p.Output == Output) > 1)
        {
            return $"the state pair {Input}={Output} shares a name with another pair";
        }

        if (input.ElementType != output.ElementType)
        {
            return $"the state pair {Input}={Output} does not match: the input is {input.ElementType}, the output {output.ElementType}";
        }

        var fits = input.Shape.Count == output.Shape.Count
            && input.Shape.Zip(output.Shape).All(static d => d.First < 0 || d.Second < 0 || d.First == d.Second);
        return fits ? null
            : $"the state pair {Input}={Output} does not match: the input's shape is [{string.Join(", ", input.Shape)}], the output's [{string.Join(", ", output.Shape)}]";
    }
}
