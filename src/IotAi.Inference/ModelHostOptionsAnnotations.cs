using Microsoft.Extensions.Options;

namespace IotAi.Inference;

/// <summary>The data annotations on <see cref="ModelHostOptions"/>, checked by code generated at build time rather than by reflection.</summary>
[OptionsValidator]
internal sealed partial class ModelHostOptionsAnnotations : IValidateOptions<ModelHostOptions>;
