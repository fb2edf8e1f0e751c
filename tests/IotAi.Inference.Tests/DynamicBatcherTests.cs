using IotAi.Synthetic;

namespace IotAi.Inference.Tests;

public sealed class DynamicBatcherTests
{
    [Fact]
    public async Task Batched_sensor_results_equal_one_by_one_results()
    {
        using var model = ShippedModels.Load("sensor-anomaly");
        var signal = new SensorSignal(seed: 4242, anomalyRate: 0.3);
        var inputs = Enumerable.Range(0, 200)
            .Select(i => signal.Next(DateTimeOffset.UnixEpoch.AddSeconds(i)).ToFeatures())
            .ToArray();

        await AssertBatchedEqualsSingleAsync(model, inputs);
    }

    [Fact]
    public async Task Batched_image_results_equal_one_by_one_results()
    {
        using var model = ShippedModels.Load("shape-classifier");

        await AssertBatchedEqualsSingleAsync(model, Frames(model, seed: 99, count: 64));
    }

    [Fact]
    public async Task A_wrong_input_length_is_refused_before_it_is_queued()
    {
        using var model = ShippedModels.Load("sensor-anomaly");
        await using var batcher = new DynamicBatcher(model, new BatchingOptions());

        await Assert.ThrowsAsync<ArgumentException>(() => batcher.InferAsync(new float[5]).AsTask());
    }

    [Fact]
    public async Task Requests_beyond_a_full_queue_are_refused_at_once_as_busy_and_the_rest_are_answered()
    {
        using var model = ShippedModels.Load("sensor-anomaly");
        await using var batcher = new DynamicBatcher(model, new BatchingOptions { MaxBatchSize = 4, QueueCapacity = 8 });
        var input = new float[] { 45, 0.3f, 10 };
        var expected = new float[model.Manifest.Labels.Count];
        model.Run(input, 1, expected);

        // Two thousand at once, far faster than batches of four run: the queue fills, and what does not fit is refused
        // without waiting, so nothing a caller holds grows with the surge.
        var calls = Enumerable.Range(0, 2000).Select(_ => batcher.InferAsync(input).AsTask()).ToList();
        var refusedAtOnce = calls.Count(static c => c.IsFaulted && c.Exception!.InnerException is ModelBusyException);
        var answered = 0;
        foreach (var call in calls.Where(static c => !c.IsFaulted))
        {
            Assert.Equal(expected, (await call).Scores);
            answered++;
        }

        Assert.Equal(8, batcher.Capacity);
        Assert.True(refusedAtOnce > 0, "no request was refused: the queue never filled, or full it made callers wait");
        Assert.Equal(calls.Count, refusedAtOnce + answered);
        Assert.Equal(0, batcher.Pending);
    }

    [Fact]
    public async Task An_idle_batcher_gives_back_what_its_batches_took_once_and_answers_as_before_when_woken()
    {
        using var model = ShippedModels.Load("shape-classifier");
        var frames = Frames(model, seed: 7, count: 24);
        await using var batcher = new DynamicBatcher(model, new BatchingOptions { MaxBatchSize = 8, IdleRelease = TimeSpan.FromMilliseconds(200) });
        var released = new SemaphoreSlim(0);
        var arenaFailures = 0;
        batcher.Released += failure =>
        {
            if (failure is not null)
            {
                Interlocked.Increment(ref arenaFailures);
            }

            released.Release();
        };

        var before = await Task.WhenAll(frames.Select(f => batcher.InferAsync(f).AsTask()));
        Assert.True(await released.WaitAsync(TimeSpan.FromSeconds(10)), "the quiet batcher never gave back what its batches took");
        var after = await Task.WhenAll(frames.Select(f => batcher.InferAsync(f).AsTask()));

        // Woken, it answers as before, holds again what the new batches took, and gives that back too.
        Assert.Equal(before.Select(static p => p.Scores), after.Select(static p => p.Scores));
        Assert.True(await released.WaitAsync(TimeSpan.FromSeconds(10)), "the batcher gave back only once");
        Assert.Equal(0, Volatile.Read(ref arenaFailures));
    }

    [Fact]
    public async Task Requests_that_would_wait_past_the_bound_at_the_models_recent_pace_are_refused_at_once()
    {
        using var model = ShippedModels.Load("shape-classifier");
        var frames = Frames(model, seed: 5, count: 8);
        var bound = TimeSpan.FromMilliseconds(20);
        await using var batcher = new DynamicBatcher(model, new BatchingOptions { MaxBatchSize = 4, QueueCapacity = 1_000_000, QueueBytes = long.MaxValue, MaxQueueWait = bound });
        var alone = await Task.WhenAll(frames.Select(f => batcher.InferAsync(f).AsTask()));

        // The batcher has learnt the model's pace from those batches; 5,000 at once are far more than 20 ms of work.
        var calls = Enumerable.Range(0, 5000).Select(i => batcher.InferAsync(frames[i % frames.Length]).AsTask()).ToList();
        var refused = 0;
        for (var i = 0; i < calls.Count; i++)
        {
            try
            {
                Assert.Equal(alone[i % frames.Length].Scores, (await calls[i]).Scores);
            }
            catch (ModelBusyException ex)
            {
                Assert.Contains("of work", ex.Message, StringComparison.Ordinal);
                refused++;
            }
        }

        Assert.InRange(refused, 1, calls.Count - 1);
        Assert.Equal(0, batcher.Pending);
    }

    [Fact]
    public void Large_samples_queue_fewer_by_the_queue_bytes_but_never_fewer_than_a_batch()
    {
        var options = new BatchingOptions { MaxBatchSize = 32, QueueCapacity = 4096, QueueBytes = 64L * 1024 * 1024 };

        // A sensor reading of three floats fills the queue by count; a 224 x 224 RGB image by bytes.
        Assert.Equal(4096, options.CapacityFor(3));
        Assert.Equal(111, options.CapacityFor(3 * 224 * 224));
        Assert.Equal(32, options.CapacityFor(64 * 1024 * 1024));
    }

    [Fact]
    public async Task A_lone_request_waits_for_company_every_time_not_only_the_first()
    {
        using var model = ShippedModels.Load("sensor-anomaly");
        var delay = TimeSpan.FromMilliseconds(30);
        await using var batcher = new DynamicBatcher(model, new BatchingOptions { MaxBatchSize = 8, MaxQueueDelay = delay });
        var input = new float[] { 45, 0.3f, 10 };

        // Each request comes alone, after the previous batch ran: each must still wait out the queue delay.
        for (var i = 0; i < 3; i++)
        {
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            await batcher.InferAsync(input);
            Assert.True(System.Diagnostics.Stopwatch.GetElapsedTime(started) >= delay * 0.9, $"request {i} did not wait for others to batch with");
        }
    }

    [Fact]
    public async Task A_caller_that_gives_up_leaves_its_request_to_run_and_later_callers_get_their_own_answers()
    {
        using var model = ShippedModels.Load("sensor-anomaly");
        // A batch runs only when two requests are queued, so the first waits until its caller has given up.
        await using var batcher = new DynamicBatcher(model, new BatchingOptions { MaxBatchSize = 2, MaxQueueDelay = TimeSpan.FromMinutes(10) });
        var normal = new float[] { 45, 0.3f, 10 };
        var anomaly = new float[] { 95, 2.5f, 40 };
        using var giveUp = new CancellationTokenSource();

        var abandoned = batcher.InferAsync(anomaly, giveUp.Token).AsTask();
        await giveUp.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => abandoned);
        var kept = await batcher.InferAsync(normal);

        // The abandoned request's pooled state is reused by these: each must carry only its own caller's answer.
        var again = await Task.WhenAll(batcher.InferAsync(anomaly).AsTask(), batcher.InferAsync(normal).AsTask());
        Assert.Equal(Single(model, normal), kept.Scores);
        Assert.Equal(Single(model, anomaly), again[0].Scores);
        Assert.Equal(Single(model, normal), again[1].Scores);
    }

    [Fact]
    public async Task Pending_counts_a_request_from_its_queueing_until_its_batch_has_run()
    {
        using var model = ShippedModels.Load("sensor-anomaly");
        await using var batcher = new DynamicBatcher(model, new BatchingOptions { MaxBatchSize = 2, MaxQueueDelay = TimeSpan.FromMinutes(10) });
        var input = new float[] { 45, 0.3f, 10 };

        var first = batcher.InferAsync(input).AsTask();
        Assert.Equal(1, batcher.Pending);
        await Task.WhenAll(first, batcher.InferAsync(input).AsTask());

        Assert.Equal(0, batcher.Pending);
    }

    private static float[] Single(OnnxModel model, float[] input)
    {
        var scores = new float[model.Manifest.Labels.Count];
        model.Run(input.ToArray(), 1, scores);
        return scores;
    }

    private static async Task AssertBatchedEqualsSingleAsync(OnnxModel model, float[][] inputs)
    {
        var labels = model.Manifest.Labels.Count;
        var expected = inputs.Select(input =>
        {
            var scores = new float[labels];
            model.Run(input.ToArray(), 1, scores);
            return scores;
        }).ToArray();

        var largestBatch = 0;
        await using var batcher = new DynamicBatcher(model, new BatchingOptions { MaxBatchSize = 16, MaxQueueDelay = TimeSpan.FromMilliseconds(20) });
        batcher.BatchCompleted += (size, _) => InterlockedMax(ref largestBatch, size);
        var predictions = await Task.WhenAll(inputs.Select(input => batcher.InferAsync(input).AsTask()));

        Assert.True(largestBatch > 1, "the batcher never formed a batch, so nothing was compared");
        Assert.True(largestBatch <= 16);
        for (var i = 0; i < inputs.Length; i++)
        {
            Assert.Equal(expected[i], predictions[i].Scores);
        }
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while (value > (current = Volatile.Read(ref target)) && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }

    /// <summary>Frames of the simulated camera, preprocessed as <paramref name="model"/> reads them.</summary>
    private static float[][] Frames(OnnxModel model, int seed, int count)
    {
        var camera = new SyntheticCamera(seed);
        var recipe = model.Manifest.Image!;
        return [.. Enumerable.Range(0, count).Select(_ =>
        {
            var features = new float[recipe.InputLength];
            Assert.Null(ImagePreprocessor.TryPreprocess(camera.Next().Encoded, recipe, features));
            return features;
        })];
    }
}
