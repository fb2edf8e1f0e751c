using IotAi.Grains.Broker;
using MQTTnet;

namespace IotAi.Gateway.Mqtt.Cluster;

/// <summary>
/// Every shared subscription in the cluster, with its members in a fixed order, made once per change and read by every
/// publish: a message goes to one member of each group whose filter it matches, taking them in turn.
/// </summary>
internal sealed class ShareGroups
{
    public static readonly ShareGroups None = new([]);

    private readonly Group[] _groups;

    public ShareGroups(IEnumerable<SharedMember> members) =>
        _groups = [.. members
            .GroupBy(static m => (m.Group, m.Filter))
            .Select(static g => new Group(g.Key.Group, g.Key.Filter, [.. g.OrderBy(static m => m.Silo, StringComparer.Ordinal).ThenBy(static m => m.ClientId, StringComparer.Ordinal)]))];

    public bool IsEmpty => _groups.Length == 0;

    /// <summary>The member of each matching group that gets this message.</summary>
    public IEnumerable<SharedMember> Pick(string topic)
    {
        foreach (var group in _groups)
        {
            if (MqttTopicFilterComparer.Compare(topic, group.Filter) == MqttTopicFilterCompareResult.IsMatch)
            {
                var turn = (uint)Interlocked.Increment(ref group.Turn);
                yield return group.Members[(int)(turn % (uint)group.Members.Length)];
            }
        }
    }

    /// <summary>How many members the group <c>$share/{group}/{filter}</c> has.</summary>
    public int Count(string group, string filter) => _groups.FirstOrDefault(g => g.Name == group && g.Filter == filter)?.Members.Length ?? 0;

    private sealed class Group(string name, string filter, SharedMember[] members)
    {
        public int Turn;

        public string Name { get; } = name;

        public string Filter { get; } = filter;

        public SharedMember[] Members { get; } = members;
    }
}
