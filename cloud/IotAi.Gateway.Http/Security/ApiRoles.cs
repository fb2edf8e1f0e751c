namespace IotAi.Gateway.Http.Security;

/// <summary>
/// The management API's roles, each including the ones before it: a <see cref="Viewer"/> reads and runs inference,
/// an <see cref="Operator"/> also changes devices, rollouts, labels, training and which version serves, an
/// <see cref="Admin"/> also uploads and deletes models and manages keys and device credentials.
/// </summary>
internal static class ApiRoles
{
    public const string Viewer = "viewer";

    public const string Operator = "operator";

    public const string Admin = "admin";

    private static readonly string[] Ordered = [Viewer, Operator, Admin];

    /// <summary>Lowest to highest.</summary>
    public static IReadOnlyList<string> All => Ordered;

    public static bool IsRole(string? role) => role is not null && All.Contains(role, StringComparer.Ordinal);

    /// <summary><paramref name="role"/> and every role above it: those a policy for <paramref name="role"/> lets in.</summary>
    public static IReadOnlyList<string> AtLeast(string role) =>
        IsRole(role) ? Ordered[Array.IndexOf(Ordered, role)..] : throw new ArgumentException($"'{role}' is not a role: {string.Join(", ", All)}", nameof(role));

    /// <summary>The highest role <paramref name="user"/> holds, or null.</summary>
    public static string? Highest(System.Security.Claims.ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return All.LastOrDefault(user.IsInRole);
    }
}
