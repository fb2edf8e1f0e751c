using System.Security.Cryptography;
using Microsoft.ML.OnnxRuntime;

namespace IotAi.Inference;

/// <summary>
/// The backbone sessions of this process, one per backbone by its SHA-256 (and the threads a call may use, so the
/// model host's one-thread sessions and training's all-core ones do not set each other's), shared by every model
/// version that runs on it: two head versions of a ResNet18 model hold one 63 MB backbone in memory, not two. A session
/// is opened by the first version that needs it and closed when the last one using it is disposed.
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

    /// <summary>How many model versions use the backbone <paramref name="sha256"/> now, over all its sessions; 0 when it is not open.</summary>
    public static int Users(string sha256)
    {
        lock (Gate)
        {
            return Open.Where(e => e.Key.StartsWith(sha256 + ":", StringComparison.OrdinalIgnoreCase)).Sum(static e => e.Value.Users);
        }
    }

    /// <summary>
    /// The session of backbone <paramref name="sha256"/> at <paramref name="options"/>' thread count, opened from
    /// <paramref name="onnx"/> (checked against the hash) if no version has it open; give the key back to <see cref="Release"/>.
    /// </summary>
    internal static (InferenceSession Session, string Key) Acquire(string sha256, byte[] onnx, SessionOptions options)
    {
        var key = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{sha256.ToLowerInvariant()}:{options.IntraOpNumThreads}");
        lock (Gate)
        {
            if (!Open.TryGetValue(key, out var entry))
            {
                var hash = Convert.ToHexStringLower(SHA256.HashData(onnx));
                if (!string.Equals(hash, sha256, StringComparison.OrdinalIgnoreCase))
                {
                    throw new InvalidDataException($"The backbone's SHA-256 is {hash}, the manifest says {sha256}.");
                }

                entry = new Entry(OnnxInspector.Open(onnx, options));
                Open[key] = entry;
            }

            entry.Users++;
            return (entry.Session, key);
        }
    }

    /// <summary>One version is done with the backbone session <paramref name="key"/>; the last one closes it.</summary>
    internal static void Release(string key)
    {
        lock (Gate)
        {
            if (Open.TryGetValue(key, out var entry) && --entry.Users == 0)
            {
                Open.Remove(key);
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
