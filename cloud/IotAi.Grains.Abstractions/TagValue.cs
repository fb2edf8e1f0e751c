using System.Runtime.CompilerServices;

namespace IotAi.Grains;

/// <summary>
/// Enum values boxed once, for metric tags: a counter tagged with an enum boxes it on every measurement, which on the
/// uplink path is an allocation per message. Values of an enum that is not int-sized, or outside 0 to 63, are boxed
/// as they come.
/// </summary>
public static class TagValue
{
    public static object Of<TEnum>(TEnum value)
        where TEnum : struct, Enum
    {
        var index = Unsafe.SizeOf<TEnum>() == sizeof(int) ? Unsafe.As<TEnum, int>(ref value) : -1;
        var boxed = Boxed<TEnum>.Values;
        return (uint)index < (uint)boxed.Length ? boxed[index] : value;
    }

    private static class Boxed<TEnum>
        where TEnum : struct, Enum
    {
        public static readonly object[] Values = Unsafe.SizeOf<TEnum>() == sizeof(int)
            ? [.. Enumerable.Range(0, 64).Select(static i => Enum.ToObject(typeof(TEnum), i))]
            : [];
    }
}
