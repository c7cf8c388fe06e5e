namespace Gemba.Silo.Orchestration.Native;

/// <summary>
/// An agent could not be started in its pane: its binary is not on the pane's PATH, it exited at
/// once, or it never showed its <c>ready_pattern</c>. The message names the agent, the command and
/// what the pane showed.
/// </summary>
public sealed class AgentStartException(string message) : Exception(message);
