using System.Diagnostics;
using System.Globalization;
using Npgsql;

namespace IotAi.Tests.Shared;

/// <summary>
/// A real PostgreSQL on a free loopback port, in a fresh data directory: the silos' grain state. PostgreSQL will not run
/// as root, so as root (in CI) it runs as the <c>postgres</c> user the Debian package creates.
/// </summary>
internal sealed class PostgresServer : IAsyncDisposable
{
    private const string User = "iotai";
    private readonly Process _process;
    private readonly DirectoryInfo _directory;

    private PostgresServer(Process process, DirectoryInfo directory, int port) => (_process, _directory, Port) = (process, directory, port);

    public int Port { get; }

    public string ConnectionString(string database = "iotai") =>
        string.Create(CultureInfo.InvariantCulture, $"Host=127.0.0.1;Port={Port};Username={User};Database={database}");

    public static async Task<PostgresServer> StartAsync()
    {
        var bin = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(static v => Path.Combine(v, "bin")).Where(static b => File.Exists(Path.Combine(b, "initdb"))).Order().LastOrDefault()
            : null;
        bin ??= Path.GetDirectoryName(LocalServer.Find("postgresql", "/usr/local/bin/initdb", "/usr/bin/initdb"))!;
        var directory = Directory.CreateTempSubdirectory("iotai-postgres-");
        var data = Path.Combine(directory.FullName, "data");
        var asRoot = Environment.UserName == "root";
        if (asRoot)
        {
            await LocalServer.RunAsync("chown", "postgres:postgres", directory.FullName);
        }

        await RunAsAsync(asRoot, Path.Combine(bin, "initdb"), "-D", data, "-U", User, "-A", "trust", "-E", "UTF8", "--no-sync");
        var port = FreePort.Next();
        var start = Command(asRoot, Path.Combine(bin, "postgres"), "-D", data, "-p", port.ToString(CultureInfo.InvariantCulture),
            "-k", directory.FullName, "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off");
        var server = new PostgresServer(LocalServer.Start(start), directory, port);
        await Eventually.TrueAsync(server.AcceptsConnectionsAsync, $"PostgreSQL did not accept connections on port {port}", seconds: 60);
        await using var connection = new NpgsqlConnection(server.ConnectionString("postgres"));
        await connection.OpenAsync();
        await using var create = new NpgsqlCommand("CREATE DATABASE iotai", connection);
        await create.ExecuteNonQueryAsync();
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await LocalServer.StopAsync(_process);
        _directory.Delete(recursive: true);
    }

    private async Task<bool> AcceptsConnectionsAsync()
    {
        try
        {
            await using var connection = new NpgsqlConnection(ConnectionString("postgres"));
            await connection.OpenAsync();
            return true;
        }
        catch (NpgsqlException)
        {
            return false;
        }
    }

    private static Task RunAsAsync(bool asRoot, string program, params string[] arguments)
    {
        var start = Command(asRoot, program, arguments);
        return LocalServer.RunAsync(start.FileName, [.. start.ArgumentList]);
    }

    /// <summary>The command line that runs <paramref name="program"/>, as the <c>postgres</c> user when this process is root.</summary>
    private static ProcessStartInfo Command(bool asRoot, string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(asRoot ? "runuser" : program);
        if (asRoot)
        {
            foreach (var prefix in (string[])["-u", "postgres", "--", program])
            {
                start.ArgumentList.Add(prefix);
            }
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return start;
    }
}
