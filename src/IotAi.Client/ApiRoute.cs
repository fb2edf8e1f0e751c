namespace IotAi.Client;

/// <summary>
/// One route of a silo's HTTP API: its method and its template as the silo declares it (<c>/api/devices/{deviceId}</c>).
/// The client builds every path from one of these, so the routes it calls can be checked against the silo's OpenAPI document.
/// </summary>
public sealed record ApiRoute(string Method, string Template)
{
    /// <summary>The path with <paramref name="values"/> in the template's placeholders, in order, each escaped.</summary>
    public string Path(params string[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var path = new System.Text.StringBuilder(Template.Length + 32);
        var next = 0;
        for (var i = 0; i < Template.Length; i++)
        {
            if (Template[i] != '{')
            {
                path.Append(Template[i]);
                continue;
            }

            var end = Template.IndexOf('}', i);
            if (next >= values.Length)
            {
                throw new ArgumentException($"{Template} needs more than {values.Length} values", nameof(values));
            }

            path.Append(Uri.EscapeDataString(values[next++]));
            i = end;
        }

        return next == values.Length ? path.ToString() : throw new ArgumentException($"{Template} takes {next} values, not {values.Length}", nameof(values));
    }
}
