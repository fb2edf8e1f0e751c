namespace IotAi.Models;

/// <summary>A model package failed its checks: unsigned, signed by an untrusted key, altered, or corrupt.</summary>
public sealed class ModelVerificationException : Exception
{
    public ModelVerificationException()
    {
    }

    public ModelVerificationException(string message)
        : base($"Model refused: {message}.")
    {
    }

    public ModelVerificationException(string message, Exception innerException)
        : base($"Model refused: {message}.", innerException)
    {
    }
}
