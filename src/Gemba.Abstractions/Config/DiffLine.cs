namespace Gemba.Config;

public enum DiffOp
{
    Same,
    Removed,
    Added,
}

/// <summary>One line of a line diff; line numbers are 1-based, null on the side the line is not in.</summary>
public sealed record DiffLine(DiffOp Op, string Text, int? OldLine, int? NewLine);
