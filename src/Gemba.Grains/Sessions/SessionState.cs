using Gemba.Escalations;
using Gemba.Orchestration;
using Gemba.Sessions;

namespace Gemba.Grains.Sessions;

/// <summary>What a session grain persists: the state machine's snapshot and how to reach the agent.</summary>
[GenerateSerializer, Alias("gemba.state.SessionState")]
public sealed class SessionState
{
    [Id(0)] public SessionSnapshot? Snapshot { get; set; }
    [Id(1)] public SessionHandle? Handle { get; set; }
    [Id(2)] public string AgentType { get; set; } = "claude";
    /// <summary>The bead in hand, kept so bead-done can grow the profile from its concepts and files.</summary>
    [Id(3)] public BeadAssignment? Current { get; set; }
    /// <summary>The member's open escalation (dirty bead-done, stall); null when there is none.</summary>
    [Id(4)] public Escalation? Escalation { get; set; }
    /// <summary>The last time the agent said anything (or was handed its bead): the stall clock.</summary>
    [Id(5)] public DateTimeOffset? LastSignalAt { get; set; }
    /// <summary>Finish the bead in hand, then stop (an operator's drain).</summary>
    [Id(6)] public bool Draining { get; set; }
}
