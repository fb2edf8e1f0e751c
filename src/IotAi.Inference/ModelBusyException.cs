namespace IotAi.Inference;

/// <summary>
/// A model's queue was full when a sample came, or long enough that the sample would wait past its bound: it was not run, and the caller should send it again later. This is the
/// gateway's back-pressure under a surge; nothing about the sample was wrong.
/// </summary>
public sealed class ModelBusyException : Exception
{
    public ModelBusyException()
    {
    }

    public ModelBusyException(string message)
        : base(message)
    {
    }

    public ModelBusyException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public ModelBusyException(string model, string version, int waiting, string bound)
        : base($"Model {model} {version} already has {waiting} requests waiting ({bound}); send the sample again later.")
    {
    }
}
