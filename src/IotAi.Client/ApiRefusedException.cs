using System.Net;

namespace IotAi.Client;

/// <summary>The silo refused a call: its status, and its reason (the API's <c>error</c>, or a problem answer's <c>detail</c>).</summary>
public sealed class ApiRefusedException : InvalidOperationException
{
    public ApiRefusedException()
    {
    }

    public ApiRefusedException(string message)
        : base(message)
    {
    }

    public ApiRefusedException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public ApiRefusedException(HttpStatusCode status, string message)
        : base(message) => Status = status;

    public HttpStatusCode Status { get; }
}
