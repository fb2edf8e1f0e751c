using System.Buffers;

namespace IotAi.Gateway.Storage;

/// <summary>
/// One buffer per thread to serialize a state record into, reused: every use finishes with it before it awaits (a journal
/// record is copied into its batch, a slot record written), so none outlives its call.
/// </summary>
internal static class RecordBuffer
{
    private const int MaxKeptBuffer = 64 * 1024;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    public static ArrayBufferWriter<byte> Take()
    {
        var buffer = t_buffer;
        if (buffer is null || buffer.Capacity > MaxKeptBuffer)
        {
            // A rare large state does not keep its buffer for good.
            t_buffer = buffer = new ArrayBufferWriter<byte>(512);
        }

        buffer.ResetWrittenCount();
        return buffer;
    }
}
