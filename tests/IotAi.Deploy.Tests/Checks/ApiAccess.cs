namespace IotAi.Deploy.Tests.Checks;

/// <summary>One thing the silo asks the Kubernetes API to do, and who in the code asks it.</summary>
public sealed record ApiAccess(string ApiGroup, string Resource, string Verb, string Caller)
{
    public override string ToString() => $"{Verb} {(ApiGroup.Length == 0 ? "" : ApiGroup + "/")}{Resource} (for {Caller})";
}
