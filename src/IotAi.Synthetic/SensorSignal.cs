namespace IotAi.Synthetic;

/// <summary>
/// A seeded machine signal: a daily-like cycle plus noise, with injected anomalies (overheating,
/// vibration bursts, current surges) whose labels are known. <see cref="Drift"/> shifts the baseline
/// so that a model trained on the old world degrades, as real sensors do.
/// </summary>
public sealed class SensorSignal(int seed, double anomalyRate = 0.1, TimeSpan? period = null)
{
    private readonly Random _random = new(seed);
    private readonly double _phase = new Random(seed ^ 0x5EED).NextDouble() * Math.PI * 2;
    private readonly double _periodSeconds = (period ?? TimeSpan.FromMinutes(10)).TotalSeconds;

    /// <summary>Added to the temperature baseline, in degrees; 0 is the world the default model learned.</summary>
    public double Drift { get; set; }

    public SensorSample Next(DateTimeOffset timestamp)
    {
        var cycle = Math.Sin((timestamp.ToUnixTimeMilliseconds() / 1000.0 / _periodSeconds * Math.PI * 2) + _phase);
        var temperature = 45 + Drift + (5 * cycle) + Gaussian(1.0);
        var vibration = 0.30 + (0.04 * cycle) + Gaussian(0.05);
        var current = 10 + (1.5 * cycle) + Gaussian(0.6);

        var anomaly = _random.NextDouble() < anomalyRate;
        if (anomaly)
        {
            switch (_random.Next(3))
            {
                case 0:
                    temperature += 8 + (_random.NextDouble() * 20);
                    break;
                case 1:
                    vibration *= 2.2 + (_random.NextDouble() * 4);
                    break;
                default:
                    current += 4 + (_random.NextDouble() * 10);
                    break;
            }
        }

        return new SensorSample(timestamp, (float)temperature, (float)Math.Max(0, vibration), (float)current, anomaly);
    }

    private double Gaussian(double sigma)
    {
        // Box-Muller: two uniforms give one standard normal.
        var u1 = 1.0 - _random.NextDouble();
        var u2 = _random.NextDouble();
        return sigma * Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}
