using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace IotAi.Gateway.Http.Tests;

/// <summary>A call whose grain is on a silo that is going answers 503 with Retry-After; any other failure is not dressed up as one.</summary>
public sealed class ClusterUnavailableAnswersTests
{
    [Fact]
    public async Task A_call_that_meets_a_silo_that_is_going_answers_503_with_a_retry_after_and_says_why()
    {
        var context = await InvokeAsync(new SiloUnavailableException("the silo holding device-7 is known to be dead"));

        Assert.Equal(StatusCodes.Status503ServiceUnavailable, context.Response.StatusCode);
        Assert.Equal(ClusterUnavailableAnswers.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture), context.Response.Headers.RetryAfter.ToString());
        context.Response.Body.Position = 0;
        using var problem = await JsonDocument.ParseAsync(context.Response.Body);
        Assert.Contains("known to be dead", problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_call_that_timed_out_on_the_way_to_its_grain_answers_503()
    {
        Assert.Equal(StatusCodes.Status503ServiceUnavailable, (await InvokeAsync(new TimeoutException("response did not arrive on time"))).Response.StatusCode);
    }

    [Fact]
    public async Task Any_other_failure_goes_on_as_it_was()
    {
        await Assert.ThrowsAsync<InvalidOperationException>(() => InvokeAsync(new InvalidOperationException("a bug")));
    }

    private static async Task<HttpContext> InvokeAsync(Exception thrown)
    {
        var context = new DefaultHttpContext
        {
            RequestServices = new ServiceCollection().AddLogging().AddProblemDetails().BuildServiceProvider(),
        };
        context.Response.Body = new MemoryStream();
        var answers = new ClusterUnavailableAnswers(_ => throw thrown, NullLogger<ClusterUnavailableAnswers>.Instance);
        await answers.InvokeAsync(context);
        return context;
    }
}
