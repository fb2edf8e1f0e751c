using System.Security.Cryptography;
using Microsoft.ML.OnnxRuntime;

namespace IotAi.Inference;

/// <summary>
/// The backbone sessions of this process, one per backbone by its SHA-256, shared by every model version that runs on
/// it: two head versions of a ResNet18 model hold one 63 MB backbone in memory, not two. A session is opened by the
/// first version that needs it and closed when the last one using it is disposed.
/// </summary>
public static class SharedBackbones
{
    private static readonly Lock Gate = new();
    private static readonly Dictionary<string, Entry> Open = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>How many backbone sessions are open now.</summary>
    public static int Loaded
    {
        get
        {
            lock (Gate)
            {
                return Open.Count;
            }
        }
    }

    /// <summary>How many model versions use the backbone <paramref name="sha256"/> now; 0 when it is not open.</summary>
    public static int Users(string sha256)
    {
        lock (Gate)
        {
            return Open.TryGetValue(sha256, out var entry) ? entry.Users : 0;
        }
    }

    /// <summary>The session of backbone <paramref name="sha256"/>, opened from <paramref name="onnx"/> (checked against the hash) if no version has it open.</summary>
    internal static InferenceSession Acquire(string sha256, byte[] onnx, SessionOptions options)
    {
        lock (Gate)
        {
            if (!Open.TryGetValue(sha256, out var entry))
            {
                var hash = Convert.ToHexStringLower(SHA256.HashData(onnx));
                if (!string.Equals(hash, sha256, StringComparison.OrdinalIgnoreCase))
                {
                    throw new InvalidDataException($"The backbone's SHA-256 is {hash}, the manifest says {sha256}.");
                }

                entry = new Entry(OnnxInspector.Open(onnx, options));
                Open[sha256] = entry;
            }

            entry.Users++;
            return entry.Session;
        }
    }

    /// <summary>One version is done with the backbone; the last one closes its session.</summary>
    internal static void Release(string sha256)
    {
        lock (Gate)
        {
            if (Open.TryGetValue(sha256, out var entry) && --entry.Users == 0)
            {
                Open.Remove(sha256);
                entry.Session.Dispose();
            }
        }
    }

    private sealed class Entry(InferenceSession session)
    {
        public InferenceSession Session { get; } = session;

        public int Users { get; set; }
    }
}
