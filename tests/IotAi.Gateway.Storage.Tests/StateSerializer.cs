using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;

namespace IotAi.Gateway.Storage.Tests;

/// <summary>Orleans' own serializer, which a silo writes state with, knowing the test states.</summary>
internal static class StateSerializer
{
    public static Serializer Instance { get; } = new ServiceCollection()
        .AddSerializer(static s => s.AddAssembly(typeof(TwinLikeState).Assembly))
        .BuildServiceProvider()
        .GetRequiredService<Serializer>();
}
