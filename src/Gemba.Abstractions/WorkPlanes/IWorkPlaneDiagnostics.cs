namespace Gemba.WorkPlanes;

/// <summary>
/// Optional for a work plane: what it currently cannot read (e.g. <c>issues.jsonl:3</c> and why),
/// for the API and the UI. A plane that does not implement it reports no problems.
/// </summary>
public interface IWorkPlaneDiagnostics
{
    /// <summary>The problems of the plane's current data, in source order; empty when all is readable.</summary>
    IReadOnlyList<WorkPlaneProblem> CurrentProblems { get; }
}
