namespace IotAi.Architecture.Tests;

/// <summary>The project files keep to the reference rules of docs/architecture.md.</summary>
public sealed class ReferenceRuleTests
{
    private static readonly ProjectGraph Graph = ProjectGraph.Load(ProjectGraph.FindRoot());

    [Fact]
    public void Every_project_reference_keeps_to_the_rules()
    {
        var breaches = Graph.Projects.Values
            .SelectMany(from => from.References.Select(name => (from, to: Graph.Projects.GetValueOrDefault(name))))
            .Select(r => r.to is null ? $"{r.from.Name} references a project that does not exist"
                : ReferenceRules.Check(r.from, r.to) is { } why ? $"{r.from.Name} -> {r.to.Name}: {why}" : null)
            .OfType<string>()
            .ToList();

        Assert.True(breaches.Count == 0, string.Join(Environment.NewLine, breaches));
    }

    [Fact]
    public void The_graph_holds_every_part_of_the_map()
    {
        // A rule that sees no projects passes anything: the graph must hold the map's projects with their references.
        Assert.Contains("IotAi.Gateway.Mqtt", Graph.Projects[ReferenceRules.Silo].References);
        Assert.Contains("IotAi.Protocol", Graph.Projects[ReferenceRules.GrainContracts].References);
        Assert.True(Graph.Projects.Count >= 30, $"only {Graph.Projects.Count} projects found");
    }

    [Theory]
    [InlineData("IotAi.Inference", "src", "IotAi.Gateway.Mqtt", "cloud")]
    [InlineData("IotAi.Models", "src", "IotAi.Cli", "src")]
    [InlineData("IotAi.Grains.Abstractions", "cloud", "IotAi.Inference", "src")]
    [InlineData("IotAi.Gateway.Http", "cloud", "IotAi.Grains", "cloud")]
    [InlineData("IotAi.Gateway.Mqtt", "cloud", "IotAi.Inference", "src")]
    [InlineData("IotAi.Grains", "cloud", "IotAi.Silo", "cloud")]
    [InlineData("IotAi.Edge", "edge", "IotAi.Grains.Abstractions", "cloud")]
    [InlineData("IotAi.Bench", "simulators", "IotAi.Silo", "cloud")]
    [InlineData("IotAi.Silo", "cloud", "IotAi.Grains.Tests", "tests")]
    [InlineData("IotAi.EndToEnd.Tests", "tests", "IotAi.Cli", "src")]
    [InlineData("IotAi.Deploy", "deploy", "IotAi.Silo", "cloud")]
    public void A_reference_against_a_rule_is_named(string from, string fromFolder, string to, string toFolder) =>
        Assert.NotNull(ReferenceRules.Check(new Project(from, fromFolder, [to]), new Project(to, toFolder, [])));

    [Theory]
    [InlineData("IotAi.Cli", "src", "IotAi.Silo", "cloud")]
    [InlineData("IotAi.Gateway.Http", "cloud", "IotAi.Gateway.Learning", "cloud")]
    [InlineData("IotAi.Silo", "cloud", "IotAi.Grains", "cloud")]
    [InlineData("IotAi.Edge", "edge", "IotAi.Inference", "src")]
    [InlineData("IotAi.Bench", "simulators", "IotAi.Edge", "edge")]
    [InlineData("IotAi.Cli.Tests", "tests", "IotAi.Cli", "src")]
    [InlineData("IotAi.Cli", "src", "IotAi.Deploy", "deploy")]
    public void A_reference_the_rules_allow_stands(string from, string fromFolder, string to, string toFolder) =>
        Assert.Null(ReferenceRules.Check(new Project(from, fromFolder, [to]), new Project(to, toFolder, [])));
}
