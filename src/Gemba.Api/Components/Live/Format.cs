namespace Gemba.Api.Components.Live;

internal static class Format
{
    /// <summary>"12 s ago", "5 min ago", "3 h ago": how an operator reads a timestamp at a glance.</summary>
    public static string Ago(TimeSpan age) =>
        age < TimeSpan.Zero ? "just now"
        : age.TotalSeconds < 60 ? $"{(int)age.TotalSeconds} s ago"
        : age.TotalMinutes < 60 ? $"{(int)age.TotalMinutes} min ago"
        : age.TotalHours < 48 ? $"{(int)age.TotalHours} h ago"
        : $"{(int)age.TotalDays} d ago";
}
