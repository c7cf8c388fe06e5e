namespace Gemba.Tests.Shared;

/// <summary>
/// Two programs that write <c>issues.jsonl</c> without gemba's lock, as bash scripts for
/// <c>bash script.sh ARGS</c>. They share a lock of their own (not gemba's): they must not lose each
/// other's writes, which no reader of the file could prevent; what is tested is gemba against them.
/// </summary>
internal static class OutsideWriterScripts
{
    /// <summary>Args: file, lock, count, [description]. Appends beads <c>ext-1</c>..<c>ext-count</c> with <c>&gt;&gt;</c>.</summary>
    public const string Appender = """
        set -eu
        f=$1; lock=$2; n=$3; desc=${4:-appended}
        exec 9>>"$lock"
        for i in $(seq 1 "$n"); do
          flock -x 9
          echo "{\"_type\":\"issue\",\"id\":\"ext-$i\",\"title\":\"Appended $i\",\"description\":\"$desc\",\"status\":\"open\",\"priority\":2,\"issue_type\":\"task\"}" >> "$f"
          flock -u 9
        done
        """;

    /// <summary>Args: file, lock, count, stride. Saves like an editor (temp file, then <c>mv</c>), retitling bead <c>gm-(j*stride)</c> to "edited j".</summary>
    public const string Editor = """
        set -eu
        f=$1; lock=$2; n=$3; stride=$4
        dir=$(dirname "$f")
        exec 9>>"$lock"
        for j in $(seq 1 "$n"); do
          k=$((j * stride))
          flock -x 9
          sed -E "/\"id\":\"gm-$k\"/ s/\"title\":\"[^\"]*\"/\"title\":\"edited $j\"/" "$f" > "$dir/.editor.tmp"
          mv -f "$dir/.editor.tmp" "$f"
          flock -u 9
        done
        """;
}
