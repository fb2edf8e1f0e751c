namespace IotAi.Deploy.Tests;

/// <summary>Assertions over the findings of a check: one line each, so a failure reads as a list of what to fix.</summary>
public static class Findings
{
    public static void None(IEnumerable<string> findings)
    {
        var list = findings.ToList();
        Assert.True(list.Count == 0, $"{list.Count} finding(s):\n  " + string.Join("\n  ", list));
    }

    /// <summary>That some finding mentions every one of <paramref name="fragments"/>, proving the check caught the fault.</summary>
    public static void Reports(IEnumerable<string> findings, params string[] fragments)
    {
        var list = findings.ToList();
        Assert.True(
            list.Any(f => fragments.All(p => f.Contains(p, StringComparison.Ordinal))),
            $"no finding mentions {string.Join(" and ", fragments)}; the findings were:\n  " + string.Join("\n  ", list));
    }
}
