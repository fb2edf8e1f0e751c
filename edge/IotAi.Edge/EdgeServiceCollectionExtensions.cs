using IotAi.Edge.Models;
using IotAi.Edge.Queue;
using IotAi.Edge.Sources;
using IotAi.Edge.Twin;
using IotAi.Models;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;

namespace IotAi.Edge;

public static class EdgeServiceCollectionExtensions
{
    /// <summary>
    /// Adds the edge agent as a hosted service, with <see cref="EdgeAgentOptions"/> bound from <c>Edge</c> and
    /// validated on start, and the on-disk outbound queue (<see cref="SqliteOutbox"/>) under the data directory.
    /// The outbox, the console sink and the time provider are added only if nothing else was registered for them first.
    /// Its meters and spans (<see cref="EdgeTelemetry"/>) go nowhere until something listens;
    /// <see cref="EdgeTelemetryExtensions.AddEdgeTelemetry"/> exports them.
    /// </summary>
    public static IServiceCollection AddEdgeAgent(this IServiceCollection services)
    {
        services.AddOptions<EdgeAgentOptions>()
            .BindConfiguration(EdgeAgentOptions.SectionName)
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<EdgeAgentOptions>, EdgeAgentOptionsAnnotations>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<EdgeAgentOptions>, EdgeAgentOptionsValidator>());

        services.AddOptions<OutboxOptions>().BindConfiguration(OutboxOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<OutboxOptions>, OutboxOptionsAnnotations>());

        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.TryAddSingleton<EdgeTelemetry>();
        services.TryAddSingleton<LiveSettings>();
        services.TryAddSingleton<IOutbox>(sp => SqliteOutbox.Open(
            QueuePath(sp.GetRequiredService<IOptions<EdgeAgentOptions>>().Value),
            sp.GetRequiredService<IOptions<OutboxOptions>>().Value,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<SqliteOutbox>>()));
        services.TryAddSingleton<IResultSink>(_ => new ConsoleJsonSink());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ISampleSource, SimulatedSensorSource>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ISampleSource, SyntheticCameraSource>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ISampleSource, JsonLinesSource>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ISampleSource, CsvReplaySource>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ISampleSource, FolderWatcherSource>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ISampleSource, HwmonSource>());

        services.TryAddSingleton(sp => new EdgeModelStore(ModelsDirectory(sp.GetRequiredService<IOptions<EdgeAgentOptions>>().Value)));
        services.TryAddSingleton(sp => new TrustedKeyStore(sp.GetRequiredService<IOptions<EdgeAgentOptions>>().Value, sp.GetRequiredService<ILogger<TrustedKeyStore>>()));
        services.TryAddSingleton(sp => sp.GetRequiredService<TrustedKeyStore>().Trusted);
        services.TryAddSingleton(sp => new EdgeModelRuntime(
            sp.GetRequiredService<EdgeModelStore>(), sp.GetRequiredService<TrustedKeys>(), sp.GetRequiredService<ILogger<EdgeModelRuntime>>()));
        services.TryAddSingleton<ModelQualityTracker>();
        services.TryAddSingleton<LocalInference>();
        services.TryAddSingleton<JointInference>();
        services.AddResiliencePipeline(ConnectionPipeline.Key, static (builder, context) => ConnectionPipeline.Configure(builder,
            context.ServiceProvider.GetRequiredService<IOptions<EdgeAgentOptions>>().Value, context.ServiceProvider.GetRequiredService<TimeProvider>(),
            context.ServiceProvider.GetRequiredService<ILogger<EdgeAgent>>()));
        services.TryAddSingleton<EdgeEvents>();
        services.TryAddSingleton(static sp => new InFlightTracker(sp.GetRequiredService<IOptions<EdgeAgentOptions>>().Value.InFlightCapacity));
        services.TryAddSingleton<EdgeConnection>();
        services.TryAddSingleton<ControlChannel>();
        services.TryAddSingleton<ModelUpdater>();
        services.TryAddSingleton<DownlinkDispatcher>();
        services.TryAddSingleton<UplinkPublisher>();
        services.TryAddSingleton<TwinReporter>();
        services.TryAddSingleton<QualityReporter>();
        services.TryAddSingleton<EdgeAgent>();
        services.AddHostedService(sp => sp.GetRequiredService<EdgeAgent>());
        return services;
    }

    /// <summary>Each device keeps its queue apart, so several agents can share one data directory.</summary>
    private static string QueuePath(EdgeAgentOptions options) => Path.Combine(options.DataDirectory, options.DeviceId, "queue.db");

    /// <summary>Each device keeps its models apart, so several agents can share one data directory.</summary>
    private static string ModelsDirectory(EdgeAgentOptions options) => Path.Combine(options.DataDirectory, options.DeviceId, "models");
}
