using System.ComponentModel.DataAnnotations;
using IotAi.Silo;
using IotAi.Grains.Hosting;
using IotAi.Gateway.Http.Https;
using IotAi.Gateway.Http.Security;
using IotAi.Gateway.Mqtt.Identity;
using IotAi.Gateway.Mqtt;
using IotAi.Gateway.Storage;
using IotAi.Gateway.Learning;
using IotAi.Gateway.Learning.Kubernetes;
using IotAi.Models;
using Microsoft.Extensions.Configuration;

namespace IotAi.Deploy.Tests.Checks;

/// <summary>
/// Every setting the manifests give the silo binds to an option the silo reads, strictly: a misspelt key or a
/// value of the wrong type is reported instead of being ignored, and bound values must pass the options' own
/// validation.
/// </summary>
public static class SettingsChecks
{
    /// <summary>Each options section the silo binds, by its configuration path; a key belongs to its longest match.</summary>
    public static IReadOnlyDictionary<string, Type> Sections { get; } = new Dictionary<string, Type>(StringComparer.OrdinalIgnoreCase)
    {
        [GatewayOptions.SectionName] = typeof(GatewayOptions),
        [ClusterOptions.SectionName] = typeof(ClusterOptions),
        [MqttIngressOptions.SectionName] = typeof(MqttIngressOptions),
        [MqttTlsOptions.SectionName] = typeof(MqttTlsOptions),
        [ModelSigningOptions.SectionName] = typeof(ModelSigningOptions),
        [TrainingOptions.SectionName] = typeof(TrainingOptions),
        [TrainingJobOptions.SectionName] = typeof(TrainingJobOptions),
        [GrainStorageOptions.SectionName] = typeof(GrainStorageOptions),
        [HttpsOptions.SectionName] = typeof(HttpsOptions),
        [ApiSecurityOptions.SectionName] = typeof(ApiSecurityOptions),
    };

    /// <summary>Read by libraries from the environment, not bound to IotAi options.</summary>
    private static readonly string[] Foreign = ["OTEL_", "POD_", "ORLEANS_"];

    public static IEnumerable<string> Check(IReadOnlyDictionary<string, string?> settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var own = settings.Where(static s => !Foreign.Any(f => s.Key.StartsWith(f, StringComparison.Ordinal))).ToList();
        foreach (var orphan in own.Where(static s => Owner(s.Key) is null))
        {
            yield return $"setting {orphan.Key} belongs to no options section the silo binds";
        }

        foreach (var group in own.GroupBy(static s => Owner(s.Key)).Where(static g => g.Key is not null))
        {
            var section = group.Key!;
            // A value from a Secret or a field is unknown here; a placeholder still proves the key binds.
            var values = group.ToDictionary(s => s.Key[(section.Length + 1)..], static s => (string?)(s.Value ?? "from-a-secret"));
            foreach (var finding in Bind(section, Sections[section], values))
            {
                yield return finding;
            }
        }
    }

    /// <summary>Binds <paramref name="section"/>'s keys from <paramref name="settings"/> to its options type, as the silo would.</summary>
    public static T Bind<T>(IReadOnlyDictionary<string, string?> settings, string section)
        where T : new()
    {
        ArgumentNullException.ThrowIfNull(settings);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var options = new T();
        configuration.GetSection(section).Bind(options);
        return options;
    }

    private static IEnumerable<string> Bind(string section, Type type, Dictionary<string, string?> values)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var options = Activator.CreateInstance(type)!;
        string? failure = null;
        try
        {
            configuration.Bind(options, static o => o.ErrorOnUnknownConfiguration = true);
        }
        catch (InvalidOperationException ex)
        {
            failure = $"{section}: {ex.Message}{(ex.InnerException is { } inner ? " " + inner.Message : "")}";
        }

        if (failure is not null)
        {
            yield return failure;
            yield break;
        }

        var results = new List<ValidationResult>();
        if (!Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true))
        {
            foreach (var result in results)
            {
                yield return $"{section}: {result.ErrorMessage}";
            }
        }
    }

    private static string? Owner(string key) =>
        Sections.Keys.Where(s => key.StartsWith(s + ":", StringComparison.OrdinalIgnoreCase)).MaxBy(static s => s.Length);
}
