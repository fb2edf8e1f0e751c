using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace IotAi.ServiceDefaults;

public static class OptionsExtensions
{
    /// <summary>
    /// Binds <typeparamref name="T"/> from configuration section <paramref name="section"/> and checks its data
    /// annotations when the host starts, so a bad setting stops the start with its name instead of failing later.
    /// Both by reflection: a program compiled ahead of time binds with the configuration binding generator and
    /// validates with an <c>[OptionsValidator]</c> instead, as the edge agent does.
    /// </summary>
    [RequiresUnreferencedCode("Binds and validates T's properties by reflection.")]
    [RequiresDynamicCode("Binds T's properties by reflection.")]
    public static OptionsBuilder<T> AddValidatedOptions<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.All)] T>(this IServiceCollection services, string section)
        where T : class =>
        services.AddOptions<T>().BindConfiguration(section).ValidateDataAnnotations().ValidateOnStart();
}
