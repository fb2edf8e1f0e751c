using System.Net.Sockets;
using System.Text;

namespace IotAi.Conformance.Tests;

/// <summary>
/// An MQTT client written packet by packet, for the cases a client library hides: a topic alias of 0 or over the
/// maximum, a Session Expiry Interval on DISCONNECT that CONNECT did not allow, and what the server answers to them.
/// </summary>
internal sealed class RawMqttClient : IAsyncDisposable
{
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(10);

    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;

    private RawMqttClient(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
    }

    /// <summary>The CONNACK's properties, by id (MQTT 5 only).</summary>
    public IReadOnlyDictionary<byte, uint> ConnAckProperties { get; private set; } = new Dictionary<byte, uint>();

    public byte ConnAckReason { get; private set; }

    /// <summary>Connects with MQTT 5 (or 3.1.1 at <paramref name="level"/> 4) and reads the CONNACK.</summary>
    public static async Task<RawMqttClient> ConnectAsync(int port, string clientId, uint sessionExpiry = 0, bool cleanStart = true, byte level = 5)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync(System.Net.IPAddress.Loopback, port);
        var client = new RawMqttClient(tcp);
        var body = new List<byte>();
        body.AddRange(Str("MQTT"));
        body.Add(level);
        body.Add(cleanStart ? (byte)0x02 : (byte)0x00);
        body.AddRange([0, 60]);
        if (level == 5)
        {
            body.AddRange(Properties(sessionExpiry == 0 ? [] : [0x11, .. Int4(sessionExpiry)]));
        }

        body.AddRange(Str(clientId));
        await client.SendAsync(0x10, body);
        var (type, ack) = await client.ReadAsync();
        Assert.Equal(0x20, type & 0xF0);
        client.ConnAckReason = ack[1];
        if (level == 5 && ack.Length > 2)
        {
            client.ConnAckProperties = ReadProperties(ack.AsSpan(2));
        }

        return client;
    }

    /// <summary>A QoS 0 PUBLISH, with a Topic Alias property when <paramref name="alias"/> is given (0 included).</summary>
    public Task PublishAsync(string topic, string payload, ushort? alias = null)
    {
        var body = new List<byte>(Str(topic));
        body.AddRange(Properties(alias is { } a ? [0x23, (byte)(a >> 8), (byte)a] : []));
        body.AddRange(Encoding.UTF8.GetBytes(payload));
        return SendAsync(0x30, body);
    }

    /// <summary>Subscribes to <paramref name="filter"/> at QoS 1 and reads the SUBACK's first reason code.</summary>
    public async Task<byte> SubscribeAsync(string filter)
    {
        var body = new List<byte> { 0x00, 0x01 };
        body.AddRange(Properties([]));
        body.AddRange(Str(filter));
        body.Add(0x01);
        await SendAsync(0x82, body);
        var (type, ack) = await ReadAsync();
        Assert.Equal(0x90, type & 0xF0);
        // Packet id (2), the properties' length (1 here), then a reason code per filter.
        return ack[3];
    }

    /// <summary>A DISCONNECT with reason 0 and, when given, a Session Expiry Interval.</summary>
    public Task DisconnectAsync(uint? sessionExpiry)
    {
        var body = new List<byte> { 0x00 };
        body.AddRange(Properties(sessionExpiry is { } s ? [0x11, .. Int4(s)] : []));
        return SendAsync(0xE0, body);
    }

    /// <summary>The next packet's type byte and body; (0, []) when the server closed the connection.</summary>
    public async Task<(byte Type, byte[] Body)> ReadAsync()
    {
        using var timeout = new CancellationTokenSource(ReadTimeout);
        var header = new byte[1];
        if (await _stream.ReadAsync(header, timeout.Token) == 0)
        {
            return (0, []);
        }

        var (length, shift) = (0, 0);
        byte next;
        do
        {
            var one = new byte[1];
            await _stream.ReadExactlyAsync(one, timeout.Token);
            next = one[0];
            length |= (next & 0x7F) << shift;
            shift += 7;
        }
        while ((next & 0x80) != 0);

        var body = new byte[length];
        await _stream.ReadExactlyAsync(body, timeout.Token);
        return (header[0], body);
    }

    /// <summary>Reads until the server sends a DISCONNECT (its reason code) or closes the connection (null).</summary>
    public async Task<byte?> DisconnectReasonAsync()
    {
        try
        {
            while (true)
            {
                var (type, body) = await ReadAsync();
                if (type == 0)
                {
                    return null;
                }

                if ((type & 0xF0) == 0xE0)
                {
                    return body.Length == 0 ? (byte)0 : body[0];
                }
            }
        }
        catch (IOException)
        {
            return null;
        }
    }

    public ValueTask DisposeAsync()
    {
        _tcp.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task SendAsync(byte type, List<byte> body)
    {
        var packet = new List<byte> { type };
        var length = body.Count;
        do
        {
            var b = (byte)(length & 0x7F);
            length >>= 7;
            packet.Add(length > 0 ? (byte)(b | 0x80) : b);
        }
        while (length > 0);

        packet.AddRange(body);
        await _stream.WriteAsync(packet.ToArray());
    }

    private static byte[] Str(string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        return [(byte)(bytes.Length >> 8), (byte)bytes.Length, .. bytes];
    }

    private static byte[] Int4(uint value) => [(byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value];

    /// <summary>A property block: its length (one byte suffices here), then the properties.</summary>
    private static byte[] Properties(byte[] properties) => [(byte)properties.Length, .. properties];

    /// <summary>The numeric properties of a CONNACK (the ones a case reads); strings and pairs are skipped.</summary>
    private static Dictionary<byte, uint> ReadProperties(ReadOnlySpan<byte> block)
    {
        var (length, i, shift) = (0, 0, 0);
        byte b;
        do
        {
            b = block[i++];
            length |= (b & 0x7F) << shift;
            shift += 7;
        }
        while ((b & 0x80) != 0);

        var found = new Dictionary<byte, uint>();
        var end = i + length;
        while (i < end)
        {
            var id = block[i++];
            switch (id)
            {
                case 0x24 or 0x25 or 0x28 or 0x29 or 0x2A: // one byte: maximum QoS, retain, wildcard, subscription ids, shared subscriptions
                    found[id] = block[i++];
                    break;
                case 0x13 or 0x21 or 0x22: // two bytes: server keep alive, receive maximum, topic alias maximum
                    found[id] = (uint)((block[i] << 8) | block[i + 1]);
                    i += 2;
                    break;
                case 0x11 or 0x27: // four bytes: session expiry, maximum packet size
                    found[id] = (uint)((block[i] << 24) | (block[i + 1] << 16) | (block[i + 2] << 8) | block[i + 3]);
                    i += 4;
                    break;
                case 0x12 or 0x1A or 0x1C or 0x1F or 0x15 or 0x16: // a string or binary: assigned id, response info, server reference, reason, auth
                    i += 2 + ((block[i] << 8) | block[i + 1]);
                    break;
                case 0x26: // a user property: two strings
                    i += 2 + ((block[i] << 8) | block[i + 1]);
                    i += 2 + ((block[i] << 8) | block[i + 1]);
                    break;
                default:
                    throw new InvalidDataException($"unexpected CONNACK property 0x{id:X2}");
            }
        }

        return found;
    }
}
