using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace IotAi.Edge.Tests;

/// <summary>Keeps every log entry, to assert on what the agent said.</summary>
public sealed class RecordingLoggerProvider : ILoggerProvider
{
    private readonly ConcurrentQueue<(LogLevel Level, string Category, string Message, Exception? Exception)> _entries = new();
    private readonly ConcurrentDictionary<TaskCompletionSource, Func<string, bool>> _waiters = new();

    public IReadOnlyList<(LogLevel Level, string Category, string Message, Exception? Exception)> Entries => [.. _entries];

    /// <summary>Completes when a message matching <paramref name="match"/> has been logged, or fails after 20 seconds.</summary>
    public Task WaitForAsync(Func<string, bool> match)
    {
        var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _waiters[signal] = match;
        if (_entries.Any(e => match(e.Message)))
        {
            signal.TrySetResult();
        }

        return signal.Task.WaitAsync(TimeSpan.FromSeconds(20));
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(RecordingLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var message = formatter(state, exception);
            provider._entries.Enqueue((logLevel, category, message, exception));
            foreach (var (signal, match) in provider._waiters)
            {
                if (match(message))
                {
                    signal.TrySetResult();
                }
            }
        }
    }
}
