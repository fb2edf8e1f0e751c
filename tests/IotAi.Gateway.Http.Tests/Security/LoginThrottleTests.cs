using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using IotAi.Gateway.Http.Security;
using Microsoft.Extensions.DependencyInjection;

namespace IotAi.Gateway.Http.Tests.Security;

/// <summary>
/// Failed logins lock out the address they come from and the key they present: 429 with <c>Retry-After</c> and a
/// problem body, over real connections, each test from loopback addresses of its own.
/// </summary>
public sealed class LoginThrottleTests(ThrottledSilo silo) : IClassFixture<ThrottledSilo>
{
    private const string Models = "/api/models";

    [Fact]
    public async Task An_address_that_keeps_failing_gets_429_even_with_a_good_key_until_the_window_has_passed()
    {
        var from = SourceAddress.Next();
        // A new key each guess, so only the address reaches its limit.
        await FailAsync(from, ThrottledSilo.FailuresPerAddress, ApiKeyHash.NewKey);
        using var admin = silo.Host.Connect(silo.AdminKey, from);

        var locked = await admin.GetAsync(Models);

        await ApiSecurityTests.AssertProblemAsync(locked, HttpStatusCode.TooManyRequests, "too many failed logins from this address");
        Assert.Equal(ThrottledSilo.Window, locked.Headers.RetryAfter?.Delta);
        using var prober = silo.Host.Connect(apiKey: null, from);
        Assert.Equal(HttpStatusCode.OK, (await prober.GetAsync("/health/live")).StatusCode);
        using var adminElsewhere = silo.Host.Connect(silo.AdminKey, SourceAddress.Next());
        Assert.Equal(HttpStatusCode.OK, (await adminElsewhere.GetAsync(Models)).StatusCode);

        silo.Clock.Advance(ThrottledSilo.Window - TimeSpan.FromSeconds(1));
        var stillLocked = await admin.GetAsync(Models);
        Assert.Equal(HttpStatusCode.TooManyRequests, stillLocked.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(1), stillLocked.Headers.RetryAfter?.Delta);

        silo.Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync(Models)).StatusCode);
    }

    [Fact]
    public async Task A_key_that_keeps_failing_gets_429_from_any_address_while_the_addresses_stay_open()
    {
        var first = SourceAddress.Next();
        var wrong = ApiKeyHash.NewKey();
        await FailAsync(first, ThrottledSilo.FailuresPerKey, () => wrong);
        using var sameKeyElsewhere = silo.Host.Connect(wrong, SourceAddress.Next());
        using var admin = silo.Host.Connect(silo.AdminKey, first);

        var locked = await sameKeyElsewhere.GetAsync(Models);

        await ApiSecurityTests.AssertProblemAsync(locked, HttpStatusCode.TooManyRequests, "too many failed logins with this API key or bearer token");
        Assert.Equal(ThrottledSilo.Window, locked.Headers.RetryAfter?.Delta);
        Assert.True(ThrottledSilo.FailuresPerKey < ThrottledSilo.FailuresPerAddress, "the first address must not be locked out by the key's failures");
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync(Models)).StatusCode);
        Assert.DoesNotContain(silo.Logs.Entries, e => e.Message.Contains(wrong, StringComparison.Ordinal));
        Assert.Single(silo.Logs.Entries, e => e.Message.Contains($"SHA-256 begins {ApiKeyHash.Of(wrong)[..8]} are refused", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Failures_spread_over_more_than_a_window_never_lock_an_address_out()
    {
        var from = SourceAddress.Next();
        await FailAsync(from, ThrottledSilo.FailuresPerAddress - 1, ApiKeyHash.NewKey);
        silo.Clock.Advance(ThrottledSilo.Window);
        await FailAsync(from, ThrottledSilo.FailuresPerAddress - 1, ApiKeyHash.NewKey);
        using var admin = silo.Host.Connect(silo.AdminKey, from);

        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync(Models)).StatusCode);
    }

    [Fact]
    public async Task Good_logins_do_not_count_towards_a_lockout()
    {
        var from = SourceAddress.Next();
        await FailAsync(from, ThrottledSilo.FailuresPerAddress - 1, ApiKeyHash.NewKey);
        using var admin = silo.Host.Connect(silo.AdminKey, from);

        for (var i = 0; i < ThrottledSilo.FailuresPerAddress; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync(Models)).StatusCode);
        }
    }

    [Fact]
    public async Task A_lockout_is_logged_once_counted_and_audited_and_no_key_is_written_anywhere()
    {
        var from = SourceAddress.Next();
        var path = $"/api/rollouts/throttled-{Guid.NewGuid():N}/abort";
        var guesses = Enumerable.Range(0, ThrottledSilo.FailuresPerAddress + 2).Select(_ => ApiKeyHash.NewKey()).ToList();
        using var measured = new ScopedMeasurements(silo.Host.Services.GetRequiredService<IMeterFactory>(), "iotai.api.logins.failed", "iotai.api.logins.throttled");

        var statuses = new List<int>();
        foreach (var guess in guesses)
        {
            using var guesser = silo.Host.Connect(guess, from);
            statuses.Add((int)(await guesser.PostAsync(path, null)).StatusCode);
        }

        Assert.Equal([401, 401, 401, 429, 429], statuses);
        Assert.Equal(ThrottledSilo.FailuresPerAddress, measured.Sum("iotai.api.logins.failed"));
        Assert.Equal(2, measured.Sum("iotai.api.logins.throttled", ("iotai.reason", "address")));
        Assert.Single(silo.Logs.Entries, e => e.Message.Contains($"API calls from {from} are refused", StringComparison.Ordinal));
        using var admin = silo.Host.Connect(silo.AdminKey, SourceAddress.Next());
        var audited = (await admin.GetFromJsonAsync<JsonElement[]>("/api/audit?limit=1000"))!.Where(e => e.GetProperty("path").GetString() == path).ToList();
        Assert.Equal([429, 429, 401, 401, 401], audited.Select(static e => e.GetProperty("status").GetInt32()));
        Assert.All(audited, e => Assert.Equal(from.ToString(), e.GetProperty("remote").GetString()));
        var written = string.Concat(Directory.GetFiles(Path.Combine(silo.DataDirectory, "audit")).Select(File.ReadAllText));
        Assert.DoesNotContain(silo.Logs.Entries, e => guesses.Any(g => e.Message.Contains(g, StringComparison.Ordinal)));
        Assert.DoesNotContain(guesses, g => written.Contains(g, StringComparison.Ordinal));
    }

    /// <summary>Makes <paramref name="count"/> calls from <paramref name="from"/> with keys from <paramref name="key"/>, each refused 401.</summary>
    private async Task FailAsync(IPAddress from, int count, Func<string> key)
    {
        for (var i = 0; i < count; i++)
        {
            using var guesser = silo.Host.Connect(key(), from);
            Assert.Equal(HttpStatusCode.Unauthorized, (await guesser.GetAsync(Models)).StatusCode);
        }
    }
}
