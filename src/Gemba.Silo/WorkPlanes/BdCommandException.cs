namespace Gemba.Silo.WorkPlanes;

/// <summary>A <c>bd</c> invocation failed or printed something that is not the documented JSON.</summary>
public sealed class BdCommandException : Exception
{
    public BdCommandException(string message) : base(message) { }

    public BdCommandException(string message, Exception innerException) : base(message, innerException) { }
}
