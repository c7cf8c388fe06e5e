using System.Text.RegularExpressions;

namespace Gemba.Silo.Hosting;

/// <summary>
/// What a <c>--cluster-id</c> or <c>--service-id</c> may be. Both become parts of Redis keys and of
/// the event channel (<c>gemba/members/…</c>), so a slash or a space would split or garble them.
/// </summary>
internal static partial class ClusterNames
{
    /// <summary>Null when the name is usable, otherwise what is wrong with it, naming the option.</summary>
    public static string? Problem(string option, string value) =>
        Valid().IsMatch(value)
            ? null
            : $"{option} '{value}' is not a valid name: use 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit";

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    private static partial Regex Valid();
}
