using System.Xml.Linq;

namespace IotAi.Architecture.Tests;

/// <summary>Every project under the repository's top-level folders, with the projects it references, read from its project file.</summary>
public sealed class ProjectGraph
{
    private static readonly string[] Folders = ["src", "cloud", "edge", "simulators", "deploy", "tests"];

    private ProjectGraph(IReadOnlyDictionary<string, Project> projects) => Projects = projects;

    /// <summary>The projects by name (<c>IotAi.Gateway.Mqtt</c>).</summary>
    public IReadOnlyDictionary<string, Project> Projects { get; }

    public static ProjectGraph Load(string root)
    {
        var files = Folders.Select(f => Path.Combine(root, f)).Where(Directory.Exists)
            .SelectMany(static f => Directory.EnumerateFiles(f, "*.csproj", SearchOption.AllDirectories))
            .Where(static f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal));
        var projects = files.Select(f => Read(root, f)).ToDictionary(static p => p.Name, StringComparer.Ordinal);
        return new ProjectGraph(projects);
    }

    /// <summary>Finds the repository root: the folder above this test's output that holds <c>IotAi.sln</c>.</summary>
    public static string FindRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "IotAi.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException($"no IotAi.sln above {AppContext.BaseDirectory}");
    }

    private static Project Read(string root, string file)
    {
        var folder = Path.GetDirectoryName(file)!;
        var references = XDocument.Load(file).Descendants("ProjectReference")
            .Select(r => Path.GetFileNameWithoutExtension(Path.GetFullPath(Path.Combine(folder, r.Attribute("Include")!.Value.Replace('\\', '/')))))
            .ToList();
        var top = Path.GetRelativePath(root, file).Split(Path.DirectorySeparatorChar)[0];
        return new Project(Path.GetFileNameWithoutExtension(file), top, references);
    }
}

/// <summary>A project: its name, the top-level folder it lives in, and the names of the projects it references.</summary>
public sealed record Project(string Name, string Folder, IReadOnlyList<string> References);
