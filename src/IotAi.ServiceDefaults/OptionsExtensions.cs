using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace IotAi.ServiceDefaults;

public static class OptionsExtensions
{
    /// <summary>
    /// Binds <typeparamref name="T"/> from configuration section <paramref name="section"/> and checks its data
    /// annotations when the host starts, so a bad setting stops the start with its name instead of failing later.
    /// </summary>
    public static OptionsBuilder<T> AddValidatedOptions<T>(this IServiceCollection services, string section)
        where T : class =>
        services.AddOptions<T>().BindConfiguration(section).ValidateDataAnnotations().ValidateOnStart();
}
