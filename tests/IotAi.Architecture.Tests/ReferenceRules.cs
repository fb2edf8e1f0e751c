namespace IotAi.Architecture.Tests;

/// <summary>
/// The rules of docs/architecture.md ("Which may reference which"), each a check of one reference: it returns why the
/// reference breaks a rule, or null when it may stand.
/// </summary>
public static class ReferenceRules
{
    public const string Cli = "IotAi.Cli";
    public const string GrainContracts = "IotAi.Grains.Abstractions";
    public const string Grains = "IotAi.Grains";
    public const string Silo = "IotAi.Silo";
    public const string Inference = "IotAi.Inference";

    /// <summary>What the grain contracts may use: nothing that brings ONNX Runtime or image code with it.</summary>
    private static readonly HashSet<string> ContractLibraries = new(["IotAi.Protocol", "IotAi.Models"], StringComparer.Ordinal);

    /// <summary>The gateway parts that must not carry ONNX Runtime.</summary>
    private static readonly HashSet<string> LeanParts = new(["IotAi.Gateway.Mqtt", "IotAi.Gateway.Storage"], StringComparer.Ordinal);

    public static string? Check(Project from, Project to)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(to);
        if (to.Folder == "tests" && from.Folder != "tests")
        {
            return "a production project references a test project";
        }

        return from.Folder switch
        {
            "src" when from.Name == Cli => null,
            "src" when to.Folder != "src" || to.Name == Cli => "a library in src/ references only other libraries in src/",
            "cloud" => Cloud(from, to),
            "edge" when to.Folder is not ("src" or "edge") => "edge/ references only src/ libraries and edge/",
            "deploy" when to.Folder != "src" => "deploy/ tooling references only src/ libraries: it deploys the gateway, it does not run it",
            "simulators" when to.Folder is not ("src" or "edge" or "simulators") => "simulators/ reference src/ libraries and the edge agent they drive, never cloud/: a silo is measured as a process",
            "tests" when to.Name == Cli && from.Name != "IotAi.Cli.Tests" => "only the CLI's own tests reference the CLI",
            _ => null,
        };
    }

    private static string? Cloud(Project from, Project to)
    {
        if (to.Folder is "edge" or "simulators" or "tests" || to.Name == Cli)
        {
            return "no project in cloud/ references edge/, simulators/ or the CLI";
        }

        if (from.Name == GrainContracts && !ContractLibraries.Contains(to.Name))
        {
            return "the grain contracts reference only IotAi.Protocol and IotAi.Models";
        }

        if (from.Name.StartsWith("IotAi.Gateway.", StringComparison.Ordinal))
        {
            if (to.Name is Grains or Silo)
            {
                return "a gateway part references the grain contracts, never the grains or the silo";
            }

            if (LeanParts.Contains(from.Name) && to.Name == Inference)
            {
                return "the MQTT front and grain storage carry no ONNX Runtime";
            }
        }

        if (to.Name == Silo)
        {
            return "nothing in cloud/ references the silo: it composes, it is not composed";
        }

        return null;
    }
}
