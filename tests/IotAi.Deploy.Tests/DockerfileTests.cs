using System.Globalization;
using System.Text.RegularExpressions;
using IotAi.Deploy.Tests.Checks;
using IotAi.Deploy.Tests.Manifests;

namespace IotAi.Deploy.Tests;

/// <summary>
/// What can be known of the images without a Docker engine: each is built in one stage and shipped from a
/// runtime-only one (or, for the natively compiled edge agent, one with only the runtime's native dependencies), runs as a non-root user, holds no secret, and needs nothing writable but its volumes.
/// </summary>
public sealed partial class DockerfileTests
{
    public static TheoryData<string, string> Images => new()
    {
        { "deploy/silo/Dockerfile", "mcr.microsoft.com/dotnet/aspnet:10.0" },
        { "deploy/trainer/Dockerfile", "mcr.microsoft.com/dotnet/runtime:10.0" },
        // The edge agent is compiled ahead of time to a native program: it needs the runtime's native dependencies, not .NET.
        { "deploy/edge/Dockerfile", "mcr.microsoft.com/dotnet/runtime-deps:10.0" },
    };

    [Theory]
    [MemberData(nameof(Images))]
    public void The_image_is_built_with_the_SDK_and_ships_on_the_runtime_only(string path, string runtime)
    {
        var dockerfile = Dockerfile.Read(Repository.PathTo(path));

        Assert.True(dockerfile.Stages.Count >= 2, $"{path} has {dockerfile.Stages.Count} stage(s); the SDK must stay out of the image");
        Assert.StartsWith("mcr.microsoft.com/dotnet/sdk:", Dockerfile.BaseImage(dockerfile.Stages[0]), StringComparison.Ordinal);
        Assert.Equal(runtime, Dockerfile.BaseImage(dockerfile.Final));
        Assert.Contains(dockerfile.Final, static i => i.Keyword == "COPY" && i.Arguments.StartsWith("--from=", StringComparison.Ordinal));
        Assert.Contains(dockerfile.Final, static i => i.Keyword == "ENTRYPOINT" && i.Arguments.StartsWith('['));
    }

    public static TheoryData<string> Paths => new(Images.Select(static row => (string)row[0]));

    [Theory]
    [MemberData(nameof(Paths))]
    public void The_image_runs_as_a_non_root_user(string path)
    {
        var final = Dockerfile.Read(Repository.PathTo(path)).Final;
        var user = final.LastOrDefault(static i => i.Keyword == "USER")?.Arguments;

        Assert.True(user is not null, $"{path}: the final stage sets no USER, so it runs as root");
        Assert.DoesNotMatch(@"^(root|0)(:|$)", user);
        // Nothing after USER may need root again; the runtime's own steps come before it.
        Assert.DoesNotContain(final.SkipWhile(static i => i.Keyword != "USER"), static i => i.Keyword is "RUN" or "USER" && i.Arguments.Contains("root", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void The_image_holds_no_secret(string path)
    {
        var dockerfile = Dockerfile.Read(Repository.PathTo(path));
        var instructions = dockerfile.Stages.SelectMany(static s => s);

        Assert.DoesNotContain(instructions, static i => i.Keyword is "ENV" or "ARG" or "LABEL" && SecretName().IsMatch(i.Arguments));
        Assert.DoesNotContain(instructions, static i => i.Keyword is "COPY" or "ADD" && KeyFile().IsMatch(i.Arguments));
    }

    [Fact]
    public void The_build_context_leaves_out_build_outputs_and_local_keys()
    {
        var ignored = File.ReadAllLines(Repository.PathTo(".dockerignore"));

        Assert.All(new[] { "**/bin/", "**/obj/", ".git/", ".iotai/", "**/*.pem", "**/*.key" }, p => Assert.Contains(p, ignored));
    }

    [Fact]
    public void The_edge_image_keeps_its_queue_and_models_on_a_volume()
    {
        var final = Dockerfile.Read(Repository.PathTo("deploy/edge/Dockerfile")).Final;
        var volume = final.Single(static i => i.Keyword == "VOLUME").Arguments;

        Assert.Contains(final, i => i.Keyword == "ENV" && i.Arguments == $"Edge__DataDirectory={volume}");
    }

    [Fact]
    public void The_silo_image_has_the_OpenMP_runtime_for_in_process_training_and_exposes_the_manifests_ports()
    {
        var final = Dockerfile.Read(Repository.PathTo("deploy/silo/Dockerfile")).Final;
        var exposed = final.Where(static i => i.Keyword == "EXPOSE").SelectMany(static i => i.Arguments.Split(' ')).ToHashSet();
        var declared = ManifestSet.Render("base").Workload(SiloChecks.Name).Pod.Containers.SelectMany(static c => c.Ports)
            .Select(static p => p.ContainerPort.ToString(CultureInfo.InvariantCulture)).ToHashSet();

        Assert.Contains(final, static i => i.Keyword == "RUN" && i.Arguments.Contains("libgomp1", StringComparison.Ordinal));
        Assert.Superset(declared, exposed);
    }

    [GeneratedRegex(@"(?i)(password|secret|token|api_?key|private_?key)\w*\s*=")]
    private static partial Regex SecretName();

    [GeneratedRegex(@"(?i)\.(pem|key|pfx|p12)\b")]
    private static partial Regex KeyFile();
}
