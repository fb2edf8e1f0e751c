using Microsoft.Extensions.DependencyInjection;

namespace IotAi.Gateway.Storage.Journal;

/// <summary>
/// Makes grains' persistent state as Orleans does, and for state kept by a <see cref="JournalGrainStorage"/> also has
/// the activation's end settle it: its newest journal record goes into its snapshot before the activation is gone, so
/// the grain's next activation, on whichever silo, reads it there. Orleans places a new activation only once the old
/// one has finished deactivating.
/// </summary>
internal sealed class SettlingStateFactory : IPersistentStateFactory
{
    private readonly PersistentStateFactory _orleans = new();

    public IPersistentState<TState> Create<TState>(IGrainContext context, IPersistentStateConfiguration config)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(config);
        var state = _orleans.Create<TState>(context, config);
        if (context.ActivationServices.GetService<JournalGrainStorage>() is { } journal && journal.Name == config.StorageName)
        {
            var (name, grain) = (config.StateName, context.GrainId);
            context.ObservableLifecycle.Subscribe(
                nameof(SettlingStateFactory),
                GrainLifecycleStage.SetupState,
                static _ => Task.CompletedTask,
                _ =>
                {
                    journal.Settle(name, grain);
                    return Task.CompletedTask;
                });
        }

        return state;
    }
}
