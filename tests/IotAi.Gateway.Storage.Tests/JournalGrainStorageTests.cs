using IotAi.Gateway.Storage.Journal;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Storage;

namespace IotAi.Gateway.Storage.Tests;

/// <summary>
/// The journal as silos sharing a state directory use it: each storage here stands for one silo, and disposing one
/// without closing it is that silo killed (its journal left as it was, its lock freed by the operating system).
/// </summary>
public sealed class JournalGrainStorageTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("iotai-journal-");
    private readonly List<JournalGrainStorage> _silos = [];

    private JournalGrainStorage Silo(bool fsync = false)
    {
        var silo = new JournalGrainStorage(
            "devices",
            new FileGrainStorageOptions { Directory = _directory.FullName, Fsync = fsync, CompactInterval = TimeSpan.FromHours(1) },
            StateSerializer.Instance, NullLogger<JournalGrainStorage>.Instance);
        _silos.Add(silo);
        return silo;
    }

    private static GrainId Device(int i) => GrainId.Create("device", $"journal-{i:D4}");

    private static async Task<TwinLikeState> Read(JournalGrainStorage silo, GrainId id)
    {
        var read = new GrainState<TwinLikeState> { State = new TwinLikeState() };
        await silo.ReadStateAsync("device", id, read);
        return read.State;
    }

    private string[] JournalFiles(string pattern) => Directory.GetFiles(OrphanJournals.DirectoryOf(_directory.FullName), pattern);

    [Fact]
    public void Writes_that_arrive_together_share_one_write_and_one_flush()
    {
        var silo = Silo(fsync: true);
        const int Writers = 16;
        const int WritesEach = 25;

        // Writers on threads of their own, each waiting for its write before the next as a grain turn does, so while
        // one write is being flushed others arrive. (Two pool threads on two cores would rarely overlap in a test this
        // short; in a silo, every thread running grain turns does.)
        using var start = new Barrier(Writers);
        var threads = Enumerable.Range(0, Writers).Select(w => new Thread(() =>
        {
            var state = new GrainState<TwinLikeState> { State = new TwinLikeState() };
            start.SignalAndWait();
            for (var i = 0; i < WritesEach; i++)
            {
                state.State.DesiredVersion = i;
                silo.WriteStateAsync("device", Device(w), state).GetAwaiter().GetResult();
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());

        // Alone, each record would take a write and a flush of its own.
        var (records, writes) = silo.Journal.Counts;
        Assert.Equal(Writers * WritesEach, records);
        Assert.InRange(writes, 1, records - 1);
    }

    [Fact]
    public async Task A_killed_silo_loses_no_acknowledged_state_and_the_next_reader_recovers_its_journal()
    {
        var killed = Silo();
        var state = new GrainState<TwinLikeState> { State = new TwinLikeState() };
        for (var version = 1; version <= 50; version++)
        {
            state.State.DesiredVersion = version;
            state.State.Desired["last"] = $"write {version}";
            await killed.WriteStateAsync("device", Device(1), state);
        }

        await killed.WriteStateAsync("device", Device(2), new GrainState<TwinLikeState> { State = new TwinLikeState { DesiredVersion = 7 } });
        // Nothing was compacted: every acknowledged write is in the journal alone.
        Assert.Empty(Directory.GetFiles(_directory.FullName, "*.state.*", SearchOption.AllDirectories));
        var successor = Silo();
        Assert.Equal(0, (await Read(successor, Device(1))).DesiredVersion);

        killed.Dispose();
        var read = new GrainState<TwinLikeState> { State = new TwinLikeState() };
        await successor.ReadStateAsync("device", Device(1), read);

        Assert.Equal((50, "write 50", "50"), (read.State.DesiredVersion, read.State.Desired["last"], read.ETag));
        Assert.Equal(7, (await Read(successor, Device(2))).DesiredVersion);
        Assert.Empty(JournalFiles($"{killed.Journal.Name}*"));
        // The successor writes on from the version the killed silo acknowledged last.
        read.State.DesiredVersion = 51;
        await successor.WriteStateAsync("device", Device(1), read);
        Assert.Equal("51", read.ETag);
    }

    [Fact]
    public async Task A_record_torn_by_the_crash_was_never_acknowledged_and_the_one_before_it_counts()
    {
        var killed = Silo();
        var state = new GrainState<TwinLikeState> { State = new TwinLikeState() };
        for (var version = 1; version <= 3; version++)
        {
            state.State.DesiredVersion = version;
            await killed.WriteStateAsync("device", Device(3), state);
        }

        killed.Dispose();
        var segment = JournalFiles($"{killed.Journal.Name}-*.log").Single();
        var bytes = File.ReadAllBytes(segment);
        File.WriteAllBytes(segment, bytes[..^5]);

        var read = new GrainState<TwinLikeState> { State = new TwinLikeState() };
        await Silo().ReadStateAsync("device", Device(3), read);
        Assert.Equal((2, "2"), (read.State.DesiredVersion, read.ETag));
    }

    [Fact]
    public async Task A_live_silos_journal_is_left_to_it()
    {
        var owner = Silo();
        await owner.WriteStateAsync("device", Device(4), new GrainState<TwinLikeState> { State = new TwinLikeState { DesiredVersion = 4 } });

        var other = Silo();
        Assert.Equal(0, (await Read(other, Device(4))).DesiredVersion);

        Assert.Single(JournalFiles($"{owner.Journal.Name}-*.log"));
        Assert.Single(JournalFiles($"{owner.Journal.Name}.alive"));
    }

    [Fact]
    public async Task Settling_an_ending_activation_puts_its_newest_state_where_another_silo_reads_it()
    {
        var first = Silo();
        var state = new GrainState<TwinLikeState> { State = new TwinLikeState { DesiredVersion = 1 } };
        await first.WriteStateAsync("device", Device(5), state);
        state.State.DesiredVersion = 2;
        await first.WriteStateAsync("device", Device(5), state);

        first.Settle("device", Device(5));

        // The first silo lives on, so only what settling wrote can reach the second.
        var read = new GrainState<TwinLikeState> { State = new TwinLikeState() };
        await Silo().ReadStateAsync("device", Device(5), read);
        Assert.Equal((2, "2"), (read.State.DesiredVersion, read.ETag));
    }

    [Fact]
    public async Task Compaction_moves_each_states_newest_record_into_its_snapshot_and_removes_the_segment()
    {
        var silo = Silo();
        var states = Enumerable.Range(0, 20).Select(i => new GrainState<TwinLikeState> { State = new TwinLikeState() }).ToArray();
        for (var round = 1; round <= 3; round++)
        {
            for (var i = 0; i < states.Length; i++)
            {
                states[i].State!.DesiredVersion = (round * 100) + i;
                await silo.WriteStateAsync("device", Device(100 + i), states[i]);
            }
        }

        var before = JournalFiles($"{silo.Journal.Name}-*.log").Single();
        silo.CompactOnce();

        Assert.False(File.Exists(before));
        var other = Silo();
        for (var i = 0; i < states.Length; i++)
        {
            Assert.Equal(300 + i, (await Read(other, Device(100 + i))).DesiredVersion);
        }

        // The silo reads its own states back, and writes on from the version it knew.
        states[0].State!.DesiredVersion = 999;
        await silo.WriteStateAsync("device", Device(100), states[0]);
        Assert.Equal(("4", 999), (states[0].ETag, (await Read(silo, Device(100))).DesiredVersion));
    }

    [Fact]
    public async Task A_second_activation_that_read_the_same_version_cannot_write_over_the_first()
    {
        var silo = Silo();
        await silo.WriteStateAsync("device", Device(6), new GrainState<TwinLikeState> { State = new TwinLikeState { DesiredVersion = 1 } });
        var first = new GrainState<TwinLikeState> { State = new TwinLikeState() };
        var second = new GrainState<TwinLikeState> { State = new TwinLikeState() };
        await silo.ReadStateAsync("device", Device(6), first);
        await silo.ReadStateAsync("device", Device(6), second);

        first.State.DesiredVersion = 2;
        await silo.WriteStateAsync("device", Device(6), first);
        second.State.DesiredVersion = 99;

        await Assert.ThrowsAsync<InconsistentStateException>(() => silo.WriteStateAsync("device", Device(6), second));
        Assert.Equal(2, (await Read(silo, Device(6))).DesiredVersion);
    }

    [Fact]
    public async Task A_cleared_state_stays_cleared_through_a_crash()
    {
        var killed = Silo();
        var state = new GrainState<TwinLikeState> { State = new TwinLikeState { DesiredVersion = 8 } };
        await killed.WriteStateAsync("device", Device(7), state);
        killed.Settle("device", Device(7));
        await killed.ClearStateAsync("device", Device(7), state);
        killed.Dispose();

        var read = new GrainState<TwinLikeState> { State = new TwinLikeState() };
        await Silo().ReadStateAsync("device", Device(7), read);
        Assert.False(read.RecordExists);
        Assert.Equal(0, read.State.DesiredVersion);
        Assert.Equal("2", read.ETag);
    }

    public void Dispose()
    {
        foreach (var silo in _silos)
        {
            silo.Dispose();
        }

        _directory.Delete(recursive: true);
    }
}
