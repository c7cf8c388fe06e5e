namespace Gemba.Grains;

/// <summary>The named grain storage every Gemba grain persists to (SQLite embedded, Redis in a cluster).</summary>
public static class GembaStorage
{
    public const string Name = "gemba";
}
