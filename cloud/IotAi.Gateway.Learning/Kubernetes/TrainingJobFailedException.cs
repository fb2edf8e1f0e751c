namespace IotAi.Gateway.Learning.Kubernetes;

/// <summary>A training Job that failed, vanished or never reported; the message says which, with the trainer's last log lines.</summary>
internal sealed class TrainingJobFailedException : Exception
{
    public TrainingJobFailedException()
    {
    }

    public TrainingJobFailedException(string message)
        : base(message)
    {
    }

    public TrainingJobFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
