namespace IotAi.Client;

/// <summary>Every route of a silo's API that <see cref="IotAiClient"/> calls.</summary>
public static class ApiRoutes
{
    public static readonly ApiRoute Device = new("GET", "/api/devices/{deviceId}");
    public static readonly ApiRoute DeviceDesired = new("PATCH", "/api/devices/{deviceId}/desired");
    public static readonly ApiRoute DeviceTags = new("PUT", "/api/devices/{deviceId}/tags");
    public static readonly ApiRoute DeviceOffer = new("POST", "/api/devices/{deviceId}/models/offer");
    public static readonly ApiRoute Credential = new("GET", "/api/devices/{deviceId}/credentials");
    public static readonly ApiRoute Enrol = new("POST", "/api/devices/{deviceId}/credentials");
    public static readonly ApiRoute RotateCredential = new("POST", "/api/devices/{deviceId}/credentials/rotate");
    public static readonly ApiRoute RevokeCredential = new("DELETE", "/api/devices/{deviceId}/credentials");
    public static readonly ApiRoute Models = new("GET", "/api/models");
    public static readonly ApiRoute ImportModel = new("POST", "/api/models");
    public static readonly ApiRoute ImportOnnx = new("POST", "/api/models/onnx");
    public static readonly ApiRoute ModelVersion = new("GET", "/api/models/{name}/versions/{version}");
    public static readonly ApiRoute PromoteModel = new("POST", "/api/models/{name}/versions/{version}/promote");
    public static readonly ApiRoute DeprecateModel = new("POST", "/api/models/{name}/versions/{version}/deprecate");
    public static readonly ApiRoute DeleteModel = new("DELETE", "/api/models/{name}/versions/{version}");
    public static readonly ApiRoute ModelKeys = new("GET", "/api/models/keys");
    public static readonly ApiRoute StartRollout = new("POST", "/api/rollouts");
    public static readonly ApiRoute Rollout = new("GET", "/api/rollouts/{id}");
    public static readonly ApiRoute PauseRollout = new("POST", "/api/rollouts/{id}/pause");
    public static readonly ApiRoute ResumeRollout = new("POST", "/api/rollouts/{id}/resume");
    public static readonly ApiRoute AbortRollout = new("POST", "/api/rollouts/{id}/abort");
    public static readonly ApiRoute Samples = new("GET", "/api/samples");
    public static readonly ApiRoute LabelSample = new("POST", "/api/samples/{id}/label");
    public static readonly ApiRoute StartTraining = new("POST", "/api/training");
    public static readonly ApiRoute TrainingRuns = new("GET", "/api/training");
    public static readonly ApiRoute TrainingRun = new("GET", "/api/training/{runId}");
    public static readonly ApiRoute Ready = new("GET", "/v2/health/ready");

    /// <summary>All of the above.</summary>
    public static IReadOnlyList<ApiRoute> All { get; } =
    [
        Device, DeviceDesired, DeviceTags, DeviceOffer, Credential, Enrol, RotateCredential, RevokeCredential,
        Models, ImportModel, ImportOnnx, ModelVersion, PromoteModel, DeprecateModel, DeleteModel, ModelKeys,
        StartRollout, Rollout, PauseRollout, ResumeRollout, AbortRollout, Samples, LabelSample,
        StartTraining, TrainingRuns, TrainingRun, Ready,
    ];
}
