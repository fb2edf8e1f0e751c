namespace IotAi.Edge;

/// <summary>
/// Where a device's last used sequence number is kept. The cloud drops any number it has already seen, so a
/// number must never be reused, even across restarts. <see cref="InMemorySequenceStore"/> forgets on restart
/// (a restarted agent starts again at 1), so the default is <see cref="ClockSeededSequenceStore"/>; the on-disk outbound queue of a later change implements this too,
/// writing the number in the same record as the message it was given to, so both survive a crash together.
/// </summary>
public interface ISequenceStore
{
    /// <summary>The last number used for <paramref name="deviceId"/>, or 0 when none has been.</summary>
    ValueTask<long> ReadLastAsync(string deviceId, CancellationToken cancellationToken);

    /// <summary>Records that <paramref name="sequence"/> has been used; it is always greater than the last.</summary>
    ValueTask WriteLastAsync(string deviceId, long sequence, CancellationToken cancellationToken);
}
