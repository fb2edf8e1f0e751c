using System.Diagnostics;
using IotAi.Models;
using IotAi.Protocol;

namespace IotAi.Edge.Models;

public sealed partial class ModelUpdater
{
    /// <summary>
    /// An update under way: the files it fetches one after another (each as a <see cref="ModelTransfer"/>), and what it
    /// verifies them against once they are in.
    /// </summary>
    private sealed class Transfer
    {
        private readonly Queue<ModelOffer> _files;
        private readonly Func<ModelOffer, ModelTransfer> _open;
        private readonly HashSet<string> _fetchedAgain = [];

        /// <param name="offer">The offer as the cloud made it.</param>
        /// <param name="files">The files to fetch, in order, each as an offer of that one file.</param>
        /// <param name="manifest">The signed manifest.</param>
        /// <param name="signature">Its signature.</param>
        /// <param name="open">Starts a file's transfer with the chunks the store lacks.</param>
        public Transfer(ModelOffer offer, Queue<ModelOffer> files, byte[] manifest, ModelSignature signature, Func<ModelOffer, ModelTransfer> open)
        {
            (Offer, _files, Manifest, Signature, _open) = (offer, files, manifest, signature, open);
            NextFile();
        }

        /// <summary>The file being fetched now.</summary>
        public ModelTransfer Chunks { get; private set; } = null!;

        /// <summary>The offer as the cloud made it.</summary>
        public ModelOffer Offer { get; }

        /// <summary>The files this update fetched (or is fetching), by hash: their staging goes once the model is verified.</summary>
        public List<string> Fetched { get; } = [];

        /// <summary>Moves to the next file; false when there is none.</summary>
        public bool NextFile()
        {
            if (!_files.TryDequeue(out var file))
            {
                return false;
            }

            Chunks = _open(file);
            Fetched.Add(file.Sha256);
            return true;
        }

        /// <summary>Whether the file <paramref name="sha256"/> has been fetched again already.</summary>
        public bool FetchedAgain(string sha256) => _fetchedAgain.Contains(sha256);

        /// <summary>Fetches the file being fetched now again, from the chunks the store lacks (all, once its staging is gone).</summary>
        public void FetchAgain()
        {
            _fetchedAgain.Add(Chunks.Offer.Sha256);
            Chunks = _open(Chunks.Offer);
        }

        public byte[] Manifest { get; }

        public ModelSignature Signature { get; }

        /// <summary>The update's span, ended when the transfer ends.</summary>
        public Activity? Activity { get; init; }
    }
}
