using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;

namespace IotAi.Bench.Suite;

/// <summary>What the figures were measured on: they mean little without it.</summary>
public sealed record MachineDescription(
    int Cores, string Cpu, double MemoryGiB, string OperatingSystem, string Runtime, string? Mosquitto, string OnnxRuntime, string Orleans, string MqttNet)
{
    public static MachineDescription Current() => new(
        Environment.ProcessorCount,
        ProcLine("/proc/cpuinfo", "model name") ?? RuntimeInformation.ProcessArchitecture.ToString(),
        TotalMemoryGiB(),
        RuntimeInformation.OSDescription,
        RuntimeInformation.FrameworkDescription,
        MosquittoProcess.Version(),
        VersionOf(typeof(Microsoft.ML.OnnxRuntime.InferenceSession)),
        VersionOf("Orleans.Core.Abstractions"),
        VersionOf(typeof(MQTTnet.MqttClientFactory)));

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Cores} cores ({Cpu}), {MemoryGiB:F0} GiB, {OperatingSystem}, {Runtime}; {Mosquitto ?? "no Mosquitto"}, ONNX Runtime {OnnxRuntime}, Orleans {Orleans}, MQTTnet {MqttNet}");

    private static string? ProcLine(string file, string key) => File.Exists(file)
        ? File.ReadLines(file).FirstOrDefault(l => l.StartsWith(key, StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
        : null;

    private static double TotalMemoryGiB()
    {
        // MemTotal is in kB.
        var total = ProcLine("/proc/meminfo", "MemTotal")?.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
        return total is null ? GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 1024.0 / 1024 / 1024 : double.Parse(total, CultureInfo.InvariantCulture) / 1024 / 1024;
    }

    /// <summary>
    /// The package version an assembly was built as, without what packages append to it: a source revision after
    /// '+' (most), or ". Commit Hash: …" (Orleans).
    /// </summary>
    private static string VersionOf(Type type) => VersionOf(type.Assembly);

    private static string VersionOf(Assembly assembly)
    {
        var version = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? assembly.GetName().Version?.ToString() ?? "?";
        return version.Split('+', ' ')[0].TrimEnd('.');
    }

    /// <summary>The version of an assembly the measured silo runs and this process does not load itself, from beside it.</summary>
    private static string VersionOf(string assembly)
    {
        try
        {
            return VersionOf(Assembly.Load(assembly));
        }
        catch (FileNotFoundException)
        {
            return "unknown";
        }
    }
}
