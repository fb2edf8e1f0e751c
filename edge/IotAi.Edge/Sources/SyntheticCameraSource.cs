using System.Runtime.CompilerServices;
using IotAi.Edge.Twin;
using IotAi.Protocol;
using IotAi.Synthetic;
using Microsoft.Extensions.Options;

namespace IotAi.Edge.Sources;

/// <summary>
/// A seeded camera (<see cref="SyntheticCamera"/>) that takes a JPEG every <see cref="EdgeAgentOptions.CameraInterval"/>,
/// or as often as the desired property <c>cameraIntervalMs</c> says.
/// </summary>
public sealed class SyntheticCameraSource(IOptions<EdgeAgentOptions> options, LiveSettings live, TimeProvider timeProvider) : ISampleSource
{
    public const string SourceName = "camera";

    public string Name => SourceName;

    public async IAsyncEnumerable<EdgeSample> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var settings = options.Value;

        // A different seed from the sensor's, so the two streams are not correlated.
        var camera = new SyntheticCamera(unchecked(settings.EffectiveSeed + 1));
        using var timer = new LiveTimer(live, static l => l.CameraInterval, timeProvider);
        do
        {
            var frame = camera.Next();
            yield return new EdgeSample(PayloadKind.Image, frame.Encoded, frame.ContentType, timeProvider.GetUtcNow(), frame.Label);
        }
        while (await timer.WaitForNextTickAsync(cancellationToken));
    }
}
