using System.Text.RegularExpressions;

namespace IotAi.Deploy.Tests.Manifests;

/// <summary>A Dockerfile's instructions, continuation lines joined and comments dropped, split into build stages.</summary>
public sealed partial class Dockerfile
{
    private Dockerfile(IReadOnlyList<IReadOnlyList<Instruction>> stages) => Stages = stages;

    public IReadOnlyList<IReadOnlyList<Instruction>> Stages { get; }

    /// <summary>The stage the image is made of: the last one.</summary>
    public IReadOnlyList<Instruction> Final => Stages[^1];

    public static Dockerfile Read(string path)
    {
        var instructions = new List<Instruction>();
        var pending = "";
        foreach (var line in File.ReadAllLines(path).Select(static l => l.TrimEnd()))
        {
            if (line.TrimStart().StartsWith('#') || (pending.Length == 0 && line.Length == 0))
            {
                continue;
            }

            pending += line.EndsWith('\\') ? line[..^1] + " " : line;
            if (!line.EndsWith('\\'))
            {
                var match = InstructionLine().Match(pending.Trim());
                instructions.Add(new Instruction(match.Groups["keyword"].Value.ToUpperInvariant(), match.Groups["arguments"].Value.Trim()));
                pending = "";
            }
        }

        var stages = new List<IReadOnlyList<Instruction>>();
        foreach (var instruction in instructions)
        {
            if (instruction.Keyword == "FROM")
            {
                stages.Add(new List<Instruction>());
            }

            if (stages.Count > 0)
            {
                ((List<Instruction>)stages[^1]).Add(instruction);
            }
        }

        return new Dockerfile(stages);
    }

    /// <summary>The image a stage starts from, without <c>--platform</c> and <c>AS name</c>.</summary>
    public static string BaseImage(IReadOnlyList<Instruction> stage)
    {
        ArgumentNullException.ThrowIfNull(stage);
        return stage[0].Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries).First(static a => !a.StartsWith("--", StringComparison.Ordinal));
    }

    [GeneratedRegex(@"^(?<keyword>[A-Za-z]+)\s*(?<arguments>.*)$")]
    private static partial Regex InstructionLine();
}

public sealed record Instruction(string Keyword, string Arguments);
