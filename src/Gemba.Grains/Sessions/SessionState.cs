using Gemba.Escalations;
using Gemba.Orchestration;
using Gemba.Sessions;

namespace Gemba.Grains.Sessions;

/// <summary>What a session grain persists: the state machine's snapshot and how to reach the agent.</summary>
public sealed class SessionState
{
    public SessionSnapshot? Snapshot { get; set; }
    public SessionHandle? Handle { get; set; }
    public string AgentType { get; set; } = "claude";
    /// <summary>The bead in hand, kept so bead-done can grow the profile from its concepts and files.</summary>
    public BeadAssignment? Current { get; set; }
    /// <summary>The member's open escalation (dirty bead-done, stall); null when there is none.</summary>
    public Escalation? Escalation { get; set; }
    /// <summary>The last time the agent said anything (or was handed its bead): the stall clock.</summary>
    public DateTimeOffset? LastSignalAt { get; set; }
    /// <summary>Finish the bead in hand, then stop (an operator's drain).</summary>
    public bool Draining { get; set; }
}
