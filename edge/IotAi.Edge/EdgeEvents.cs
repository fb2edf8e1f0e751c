using Microsoft.Extensions.Logging;

namespace IotAi.Edge;

/// <summary>
/// What the cloud said, as events for a host to listen to (through <see cref="EdgeAgent"/>'s). Raised on the MQTT
/// receive path; a subscriber that throws is logged and does not take the receive loop down with it.
/// </summary>
public sealed partial class EdgeEvents(ILogger<EdgeEvents> logger)
{
    public event EventHandler<EdgeResult>? ResultReceived;

    public event EventHandler<ErrorReceivedEventArgs>? ErrorReceived;

    public event EventHandler<DesiredPropertiesReceivedEventArgs>? DesiredPropertiesReceived;

    internal void OnResultReceived(object sender, EdgeResult result) => Raise(sender, ResultReceived, result);

    internal void OnErrorReceived(object sender, ErrorReceivedEventArgs error) => Raise(sender, ErrorReceived, error);

    internal void OnDesiredPropertiesReceived(object sender, DesiredPropertiesReceivedEventArgs desired) => Raise(sender, DesiredPropertiesReceived, desired);

    private void Raise<T>(object sender, EventHandler<T>? handler, T args)
    {
        try
        {
            handler?.Invoke(sender, args);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogSubscriberFailed(logger, typeof(T).Name, ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "A {EventArgs} subscriber threw")]
    private static partial void LogSubscriberFailed(ILogger logger, string eventArgs, Exception exception);
}
