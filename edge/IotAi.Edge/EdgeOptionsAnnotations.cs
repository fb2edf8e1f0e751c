using IotAi.Edge.Queue;
using Microsoft.Extensions.Options;

namespace IotAi.Edge;

/// <summary>The data annotations on <see cref="EdgeAgentOptions"/>, checked by code generated at build time rather than by reflection.</summary>
[OptionsValidator]
internal sealed partial class EdgeAgentOptionsAnnotations : IValidateOptions<EdgeAgentOptions>;

/// <summary>The data annotations on <see cref="OutboxOptions"/>, checked the same way.</summary>
[OptionsValidator]
internal sealed partial class OutboxOptionsAnnotations : IValidateOptions<OutboxOptions>;
