namespace IotAi.Cli.Tests.Deploy;

/// <summary>A test with its own fake API server, its own folder, and a kubeconfig there whose current context is the fake.</summary>
public abstract class FakeClusterTest : IAsyncLifetime
{
    internal DirectoryInfo Root { get; } = Directory.CreateTempSubdirectory("iotai-deploy-");

    internal FakeClusterApi Api { get; private set; } = null!;

    internal string Kubeconfig { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Api = await FakeClusterApi.StartAsync();
        Kubeconfig = TestKubeconfig.Write(Root.FullName, Api.Url);
    }

    public async Task DisposeAsync()
    {
        await Api.DisposeAsync();
        Root.Delete(recursive: true);
    }
}
