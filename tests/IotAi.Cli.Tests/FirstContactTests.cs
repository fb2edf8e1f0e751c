using System.CommandLine;
using Spectre.Console;

namespace IotAi.Cli.Tests;

/// <summary>What a newcomer meets first: settings after a list of files, a wrong path, JSON and tables as people read them.</summary>
public sealed class FirstContactTests : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("iotai-cli-first-");

    [Theory]
    [InlineData(new[] { "edge", "--trust", "a.pem", "b.pem", "--Edge:DataDirectory=/d" }, new[] { "edge", "--trust", "a.pem", "b.pem", "--", "--Edge:DataDirectory=/d" })]
    [InlineData(new[] { "edge", "--Edge:Port", "1884", "--trust", "a.pem" }, new[] { "edge", "--trust", "a.pem", "--", "--Edge:Port", "1884" })]
    [InlineData(new[] { "silo", "--Gateway:DataDirectory=x", "--", "--Mqtt:Port=1" }, new[] { "silo", "--", "--Gateway:DataDirectory=x", "--Mqtt:Port=1" })]
    [InlineData(new[] { "models", "list", "--json" }, new[] { "models", "list", "--json" })]
    public void Host_settings_move_behind_the_separator(string[] given, string[] expected) =>
        Assert.Equal(expected, CliArguments.SettingsLast(given));

    [Fact]
    public void A_setting_after_several_trusted_keys_is_not_taken_for_one()
    {
        var command = EdgeCommand.Create();
        var trust = command.Options.OfType<Option<FileInfo[]>>().Single(static o => o.Name == "--trust");

        var parse = command.Parse(CliArguments.SettingsLast(["--device-id", "d1", "--trust", "a.pem", "b.pem", "--Edge:DataDirectory=/data"]));

        Assert.Empty(parse.Errors);
        Assert.Equal(["a.pem", "b.pem"], parse.GetValue(trust)!.Select(static f => f.Name));
        Assert.Contains("--Edge:DataDirectory=/data", parse.UnmatchedTokens);
    }

    [Fact]
    public async Task A_missing_key_file_is_one_line_that_names_it_and_exit_code_1()
    {
        var missing = Path.Combine(_root.FullName, "nowhere.pub.pem");

        var run = await IotaiProcess.RunAsync("edge", "--device-id", "d1", "--trust", missing, $"--Edge:DataDirectory={_root.FullName}");

        Assert.Equal(1, run.ExitCode);
        Assert.Equal($"iotai: the trusted key file {missing} does not exist", run.Error.Trim());
        Assert.DoesNotContain("   at ", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verbose_shows_the_stack_trace_a_failure_otherwise_hides()
    {
        var missing = Path.Combine(_root.FullName, "nowhere.pub.pem");

        var run = await IotaiProcess.RunAsync("edge", "--device-id", "d1", "--trust", missing, "--verbose");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains($"System.IO.FileNotFoundException: the trusted key file {missing} does not exist", run.Error, StringComparison.Ordinal);
        Assert.Contains("   at IotAi.Cli.", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Json_for_people_keeps_plus_signs_and_accents_as_they_are()
    {
        using var output = new StringWriter();

        CliOutput.WriteJson(new { secret = "a+b/c=", site = "Zürich <north>" }, output);

        Assert.Contains("\"secret\": \"a+b/c=\"", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("\"site\": \"Zürich <north>\"", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Json_a_silo_escaped_is_printed_unescaped()
    {
        using var output = new StringWriter();
        using var reply = System.Text.Json.JsonDocument.Parse("""{"secret":"a\u002Bb"}""");

        CliOutput.WriteJson(reply.RootElement, output);

        Assert.Contains("\"secret\": \"a+b\"", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_table_in_a_pipe_is_plain_columns_one_line_per_row()
    {
        using var output = new StringWriter();
        var console = CliOutput.Plain(output);
        var table = new Table().AddColumns("model", "labels", "sha256");
        var labels = string.Join(",", Enumerable.Range(0, 40).Select(static i => $"label-{i}"));
        table.AddRow("shape-classifier", labels, new string('a', 64));
        table.AddRow("sensor-anomaly", "normal,anomaly", new string('b', 64));

        console.Write(table);

        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(3, lines.Length);
        Assert.StartsWith("model", lines[0], StringComparison.Ordinal);
        Assert.Contains(labels, lines[1], StringComparison.Ordinal);
        Assert.DoesNotContain(lines, static l => l.IndexOfAny(['│', '─', '┌', '|', '+']) >= 0);
        Assert.DoesNotContain('\u001b', output.ToString());
    }

    public void Dispose() => _root.Delete(recursive: true);
}
