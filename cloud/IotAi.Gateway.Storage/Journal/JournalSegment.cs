using Microsoft.Win32.SafeHandles;

namespace IotAi.Gateway.Storage.Journal;

/// <summary>One segment file of a silo's state journal, with the handle its records are written and read through.</summary>
internal sealed class JournalSegment(long number, string path, SafeFileHandle handle) : IDisposable
{
    private FileStream? _flusher;

    public long Number { get; } = number;

    public string Path { get; } = path;

    public SafeFileHandle Handle { get; } = handle;

    /// <summary>Bytes written; only the writing caller moves it.</summary>
    public long Length { get; set; }

    public void Flush() => (_flusher ??= new FileStream(Handle, FileAccess.ReadWrite, bufferSize: 0)).Flush(flushToDisk: true);

    public void Dispose()
    {
        _flusher?.Dispose();
        Handle.Dispose();
    }
}
