using IotAi.Gateway.Storage.Journal;
using IotAi.Gateway.Storage.Postgres;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using AdoNetGrainStorageOptions = Orleans.Configuration.AdoNetGrainStorageOptions;
using Orleans.Runtime.Hosting;
using Orleans.Storage;
using Orleans.Serialization;

namespace IotAi.Gateway.Storage;

public static class GrainStorageExtensions
{
    /// <summary>
    /// Registers grain storage <paramref name="name"/> as <paramref name="storage"/> says: files as <paramref name="files"/>
    /// says, or Orleans' ADO.NET grain storage (on PostgreSQL with its schema made at start, before the silo).
    /// </summary>
    public static IServiceCollection AddGatewayStorage(this IServiceCollection services, string name, GrainStorageOptions storage, FileGrainStorageOptions files)
    {
        ArgumentNullException.ThrowIfNull(storage);
        ArgumentNullException.ThrowIfNull(files);
        if (storage.Provider == GrainStorageProvider.File && storage.Journal)
        {
            // One journal per silo, which its stop compacts whatever wraps the storage; an activation that ends settles
            // its journal records into its files, so it may wake on any silo.
            services.AddSingleton(sp => new JournalGrainStorage(name, files, sp.GetRequiredService<Serializer>(), sp.GetRequiredService<ILogger<JournalGrainStorage>>(), sp.GetService<IMeterFactory>()));
            services.AddKeyedSingleton<IGrainStorage>(name, static (sp, _) => sp.GetRequiredService<JournalGrainStorage>());
            services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(static sp => sp.GetRequiredService<JournalGrainStorage>());
            services.AddSingleton<IPersistentStateFactory, SettlingStateFactory>();
            return services;
        }

        if (storage.Provider == GrainStorageProvider.File)
        {
            return services.AddGrainStorage(name, (sp, _) => new FileGrainStorage(files, sp.GetRequiredService<Serializer>()));
        }

        if (string.IsNullOrWhiteSpace(storage.ConnectionString))
        {
            throw new InvalidOperationException("Storage:Provider is AdoNet, but Storage:ConnectionString names no database.");
        }

        if (storage.CreateSchema && storage.Invariant == GrainStorageOptions.Npgsql)
        {
            services.AddHostedService(sp => new PostgresGrainStateSchema(storage.ConnectionString, sp.GetRequiredService<ILogger<PostgresGrainStateSchema>>()));
        }

        if (storage.Invariant == GrainStorageOptions.Npgsql && storage.BatchWrites)
        {
            // The same rows Orleans' provider keeps, written in batches: the grains writing at once share a round trip and a commit.
            return services.AddGrainStorage(name, (sp, _) =>
            {
                var postgres = new PostgresGrainStorage(storage.ConnectionString, sp.GetRequiredService<IOptions<ClusterOptions>>().Value.ServiceId, sp.GetRequiredService<Serializer>());
                if (sp.GetService<IMeterFactory>() is { } meters)
                {
                    PostgresTelemetry.Observe(meters, postgres.Batcher);
                }

                return postgres;
            });
        }

        services.AddAdoNetGrainStorage(name, o => (o.Invariant, o.ConnectionString) = (storage.Invariant, storage.ConnectionString));
        // State is written as Orleans writes it on the wire, as the file storage does: the grains' state types are made
        // for Orleans' serializer (immutable records, read-only lists), not for the provider's default JSON.
        services.AddOptions<AdoNetGrainStorageOptions>(name).Configure<Serializer>((o, serializer) => o.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer));
        return services;
    }
}
