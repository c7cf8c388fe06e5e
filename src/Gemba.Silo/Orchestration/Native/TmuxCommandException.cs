namespace Gemba.Silo.Orchestration.Native;

/// <summary>A tmux (or git) call failed, timed out or could not start; the message names the command.</summary>
public class TmuxCommandException : Exception
{
    public TmuxCommandException(string message) : base(message) { }

    public TmuxCommandException(string message, Exception innerException) : base(message, innerException) { }
}
