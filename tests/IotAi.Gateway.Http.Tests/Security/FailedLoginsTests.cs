using IotAi.Gateway.Http.Security;
using Microsoft.Extensions.Time.Testing;

namespace IotAi.Gateway.Http.Tests.Security;

/// <summary>The table behind the login throttle stays within its capacity under a spray, and a spray cannot free a locked-out subject.</summary>
public sealed class FailedLoginsTests
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    [Fact]
    public void A_spray_of_made_up_keys_keeps_the_table_within_its_capacity_and_a_locked_out_key_locked()
    {
        var clock = new FakeTimeProvider();
        var failures = new FailedLogins<string>(allowed: 2, Window, capacity: 100, clock);
        Assert.False(failures.Fail("guessed-twice"));
        Assert.True(failures.Fail("guessed-twice"));
        // The spray comes later, so its entries end after the lockout does: only keeping locked-out keys keeps it.
        clock.Advance(TimeSpan.FromSeconds(1));

        for (var i = 0; i < 10_000; i++)
        {
            failures.Fail($"sprayed-{i}");
        }

        Assert.InRange(failures.Count, 1, 100);
        Assert.Equal(Window - TimeSpan.FromSeconds(1), failures.LockedFor("guessed-twice"));
    }

    [Fact]
    public void Subjects_whose_window_has_passed_make_room_before_any_other_is_pushed_out()
    {
        var clock = new FakeTimeProvider();
        var failures = new FailedLogins<string>(allowed: 2, Window, capacity: 10, clock);
        for (var i = 0; i < 10; i++)
        {
            failures.Fail($"old-{i}");
        }

        clock.Advance(Window / 2);
        failures.Fail("half-a-window-later");
        clock.Advance(Window / 2);
        failures.Fail("newest");

        Assert.Equal(2, failures.Count);
        Assert.True(failures.Fail("half-a-window-later"));
    }
}
