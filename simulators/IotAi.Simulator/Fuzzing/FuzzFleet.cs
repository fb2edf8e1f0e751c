using System.Net;
using System.Net.Sockets;
using MQTTnet.Formatter;

namespace IotAi.Simulator.Fuzzing;

/// <summary>
/// Random and mutated MQTT traffic over raw sockets, as enrolled devices: each worker connects from its own address, over
/// and over, as one of its few client ids, and sends a CONNECT (sometimes damaged, sometimes with a wrong secret), nine
/// more packets, mostly well-formed with the last one damaged, then closes its sending side and waits for the broker to
/// answer what it can and close. A connection the broker neither closed nor finished with within
/// <see cref="FuzzFleetOptions.HangBound"/> has hung, and the run stops at the first. The same seed gives the same bytes.
/// </summary>
public sealed class FuzzFleet(FuzzFleetOptions options)
{
    private const int PacketsPerConnection = 10;

    /// <summary>The client ids the workers connect as, each of which needs a secret in <see cref="FuzzFleetOptions.Secrets"/>.</summary>
    public static IEnumerable<string> ClientIds(int workers, int idsPerWorker) =>
        Enumerable.Range(0, workers).SelectMany(w => Enumerable.Range(0, idsPerWorker).Select(k => Id(w, k)));

    /// <summary>
    /// Fuzzes until <paramref name="enough"/> says so, <paramref name="maxConnections"/> have been made, or one connection hung.
    /// </summary>
    public async Task<FuzzTally> RunAsync(Func<bool> enough, long maxConnections, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(enough);
        var next = -1L;
        var (connections, hung, refused) = (0L, 0L, 0L);
        await Task.WhenAll(Enumerable.Range(0, options.Workers).Select(worker => Task.Run(async () =>
        {
            var from = options.NextAddress();
            while (!enough() && Interlocked.Read(ref next) < maxConnections && Interlocked.Read(ref hung) == 0 && !cancellationToken.IsCancellationRequested)
            {
                var connection = Interlocked.Increment(ref next);
                var id = Id(worker, (int)(connection % options.IdsPerWorker));
                var outcome = await FuzzOneConnectionAsync(from, connection, id, options.Secrets[id], cancellationToken);
                Interlocked.Increment(ref connections);
                Interlocked.Add(ref hung, outcome == Outcome.Hung ? 1 : 0);
                Interlocked.Add(ref refused, outcome == Outcome.RefusedAtOnce ? 1 : 0);
            }
        }, cancellationToken)));
        return new FuzzTally(connections, hung, refused);
    }

    private static string Id(int worker, int k) => $"fuzz-{worker}-{k}";

    private async Task<Outcome> FuzzOneConnectionAsync(IPAddress from, long connection, string clientId, string secret, CancellationToken cancellationToken)
    {
        var random = new Random(HashCode.Combine(options.Seed, connection));
        var packets = new FuzzPackets(random, random.Next(3) == 0 ? MqttProtocolVersion.V311 : MqttProtocolVersion.V500);
        var stream = new List<byte>();
        stream.AddRange(random.Next(10) == 0 ? packets.Mutated(clientId, secret) : packets.Connect(clientId, secret));
        for (var i = 1; i < PacketsPerConnection; i++)
        {
            // Damage mostly comes last: the broker closes a connection at the first malformed packet.
            stream.AddRange(i == PacketsPerConnection - 1 && random.Next(10) < 7 ? packets.Mutated(clientId, secret) : packets.WellFormed(clientId));
        }

        using var raw = await RawMqttConnection.OpenAsync(options.Port, from, cancellationToken);
        try
        {
            await raw.SendAsync(stream.ToArray(), cancellationToken);
            raw.EndSending();
        }
        catch (SocketException)
        {
            return Outcome.RefusedAtOnce;
        }

        return await raw.DrainAsync(options.HangBound) ? Outcome.Closed : Outcome.Hung;
    }

    private enum Outcome
    {
        /// <summary>The broker took what was sent and closed the connection within the bound.</summary>
        Closed,

        /// <summary>The broker closed the connection before the fuzzer had sent it all, as it may on the first bad packet.</summary>
        RefusedAtOnce,

        /// <summary>The broker neither closed the connection nor finished with it within the bound.</summary>
        Hung,
    }
}

/// <summary>How a <see cref="FuzzFleet"/> runs.</summary>
/// <param name="Port">The broker's MQTT port on loopback.</param>
/// <param name="Seed">Makes the run's bytes reproducible.</param>
/// <param name="Secrets">Each client id's secret (see <see cref="FuzzFleet.ClientIds"/>).</param>
/// <param name="NextAddress">A loopback address for each worker to connect from, so per-address limits see each apart.</param>
/// <param name="Workers">Connections under way at once.</param>
/// <param name="IdsPerWorker">Client ids each worker takes turns with, so a new connection often takes over an id in use.</param>
public sealed record FuzzFleetOptions(int Port, int Seed, IReadOnlyDictionary<string, string> Secrets, Func<IPAddress> NextAddress, int Workers = 32, int IdsPerWorker = 4)
{
    /// <summary>A connection the broker has neither answered to the end nor closed this long after the fuzzer stopped sending has hung.</summary>
    public TimeSpan HangBound { get; init; } = TimeSpan.FromSeconds(10);
}

/// <summary>What a fuzz run did.</summary>
/// <param name="Connections">Connections made.</param>
/// <param name="Hung">Connections the broker neither closed nor finished with within the bound.</param>
/// <param name="RefusedAtOnce">Connections it closed before the fuzzer finished sending.</param>
public sealed record FuzzTally(long Connections, long Hung, long RefusedAtOnce);
