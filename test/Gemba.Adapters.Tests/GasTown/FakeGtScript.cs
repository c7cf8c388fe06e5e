namespace Gemba.Adapters.Tests.GasTown;

/// <summary>
/// The fake <c>gt</c> (bash), faithful to gt 1.0.1 as reference §4.2-4.3 describes it: JSON only
/// where gt has it, cobra-style errors for commands gt lacks (<c>gt rig create</c>,
/// <c>gt polecat create</c>), plain text for sling/unsling/handoff/config.
/// </summary>
internal static class FakeGtScript
{
    public const string Text = """
        #!/usr/bin/env bash
        # Fake `gt` 1.0.1 for gemba's adapter tests (shapes from reference/beads-and-gastown.md §4.2).
        #
        # Driven by $FAKE_GT_DIR:
        #   rig-list.json         stdout of `gt rig list --json` (absent: "No rigs configured.")
        #   polecat-list.json     stdout of `gt polecat list --all --json` (absent: [])
        #   git-state-<name>.json stdout of `gt polecat git-state <rig>/<name> --json` (absent: not found)
        #   config-<key>          value printed by `gt config get <key>` (absent: -1); a successful set writes it
        #   no-handoff            when present, this gt has no `handoff` command
        #   <key>.out             replaces the stdout of call <key>
        #   <key>.stderr          copied to stderr;  <key>.exit  exit code;  <key>.sleep  seconds to sleep first
        # Keys: version, rig-list, rig-add, polecat-list, git-state-<name>, polecat-identity-add, sling,
        #       unsling, handoff, config-get, config-set.
        # Every call appends its argv (tab-separated, one line per call) to $FAKE_GT_DIR/calls.log.
        set -u
        dir="${FAKE_GT_DIR:?FAKE_GT_DIR is not set}"
        mkdir -p "$dir"
        ( IFS=$'\t'; printf '%s\n' "$*" ) >> "$dir/calls.log"

        unknown() {
          printf 'Error: unknown command "%s" for "%s"\n' "$1" "$2" >&2
          printf "Run '%s --help' for usage.\n" "$2" >&2
          exit 1
        }

        wants_help() {
          for a in "$@"; do
            if [ "$a" = "--help" ] || [ "$a" = "-h" ]; then return 0; fi
          done
          return 1
        }

        # respond KEY DEFAULT: honours KEY.sleep, KEY.stderr, KEY.out, KEY.exit
        respond() {
          local key="$1" default="$2"
          if [ -f "$dir/$key.sleep" ]; then sleep "$(cat "$dir/$key.sleep")"; fi
          if [ -f "$dir/$key.stderr" ]; then cat "$dir/$key.stderr" >&2; fi
          if [ -f "$dir/$key.out" ]; then cat "$dir/$key.out"; else printf '%s' "$default"; fi
          if [ -f "$dir/$key.exit" ]; then exit "$(cat "$dir/$key.exit")"; fi
          exit 0
        }

        # respond_file KEY FILE: FILE's content as stdout (exit 0), else KEY's overrides
        respond_file() {
          local key="$1" file="$2" fallback="$3"
          if [ -f "$dir/$file" ]; then respond "$key" "$(cat "$dir/$file")"$'\n'; fi
          respond "$key" "$fallback"
        }

        root_help='Gas Town - multi-agent workspace manager

        Usage:
          gt [command]

        Work Management:
          convoy      Track batches of work across rigs
          done        Signal work ready for merge queue
          handoff     Hand off to a fresh session, work continues from hook
          sling       Assign work to an agent
          unsling     Remove work from an agent'"'"'s hook

        Workspace:
          config      Manage Gas Town configuration
          polecat     Manage polecats (worker agents)
          rig         Manage rigs in the workspace

        Flags:
          -h, --help      help for gt
          -v, --version   version for gt
        '

        rig_help='Manage rigs (project containers) in the Gas Town workspace.

        Usage:
          gt rig [command]

        Available Commands:
          add         Add a new rig to the workspace
          boot        Start witness and refinery for a rig
          dock        Dock a rig (persistent stop)
          list        List all rigs in the workspace
          park        Park a rig (stop agents, keep state)
          quick-add   Add the current repository as a rig
          reboot      Restart a rig from a clean state
          remove      Remove a rig from the registry
          reset       Reset rig state
          restart     Restart rig agents
          shutdown    Gracefully stop all rig agents
          start       Start rig agents
          status      Show rig status
          stop        Stop rig agents

        Flags:
          -h, --help   help for rig

        Use "gt rig [command] --help" for more information about a command.
        '

        polecat_help='Manage polecats (worker agents with persistent identity).

        Usage:
          gt polecat [command]

        Aliases:
          polecat, polecats

        Available Commands:
          add              Add a polecat (deprecated: use identity add)
          check-recovery   Check whether a polecat can be nuked safely
          gc               Garbage-collect stale polecat branches
          git-state        Show git state of a polecat worktree
          identity         Manage polecat identities
          list             List polecats
          nuke             Destroy a polecat and its worktree
          pool-init        Create idle polecats with worktrees
          prune            Prune dead polecat directories
          remove           Remove a polecat
          stale            List stale polecats
          status           Show polecat status

        Flags:
          -h, --help   help for polecat
        '

        identity_help='Manage polecat identities (agent beads with a CV).

        Usage:
          gt polecat identity [command]

        Available Commands:
          add         Create a polecat identity bead
          list        List polecat identities
          remove      Remove a polecat identity

        Flags:
          -h, --help   help for identity
        '

        sling_help='Assign work (a bead or formula) to an agent and start it.

        Usage:
          gt sling <bead-or-formula> [target] [flags]
          gt sling [command]

        Examples:
          gt sling gt-abc gastown
          gt sling gt-abc gastown/nux --create

        Available Commands:
          respawn-reset Reset the respawn counter of a bead

        Flags:
          -a, --args string        Natural-language instructions stored on the bead
              --agent string       Agent preset (claude, codex, gemini, ...)
              --create             Create the named polecat if missing
          -n, --dry-run            Show what would happen
              --force              Re-sling a hooked bead
              --no-convoy          Do not create a convoy
          -h, --help               help for sling
        '

        handoff_help='Hand off to a fresh session; work continues from the hook.

        Usage:
          gt handoff [target] [flags]

        Flags:
          -h, --help   help for handoff
        '

        cmd="${1:-}"
        case "$cmd" in
          --version|-v|version)
            respond version "gt version 1.0.1 (fake)"$'\n'
            ;;
          ""|--help|-h|help)
            printf '%s' "$root_help"
            ;;
          handoff)
            if [ -f "$dir/no-handoff" ]; then unknown handoff gt; fi
            if wants_help "$@"; then printf '%s' "$handoff_help"; exit 0; fi
            respond handoff "Handed off ${2:-self}: new session starting, work continues from the hook"$'\n'
            ;;
          sling)
            if wants_help "$@"; then printf '%s' "$sling_help"; exit 0; fi
            if [ -z "${2:-}" ]; then printf 'Error: requires at least 1 arg(s), only received 0\n' >&2; exit 1; fi
            respond sling "Work attached to hook (status=hooked)"$'\n'"Slung ${2} -> ${3:-self}"$'\n'
            ;;
          unsling|unhook)
            respond unsling "Unslung ${2:-}: status=open"$'\n'
            ;;
          rig)
            sub="${2:-}"
            case "$sub" in
              ""|--help|-h) printf '%s' "$rig_help" ;;
              list)
                if [ -f "$dir/rig-list.json" ]; then respond rig-list "$(cat "$dir/rig-list.json")"$'\n'; fi
                respond rig-list "No rigs configured."$'\n'
                ;;
              add) respond rig-add "Rig ${3:-} added"$'\n' ;;
              *) unknown "$sub" "gt rig" ;;
            esac
            ;;
          polecat|polecats)
            sub="${2:-}"
            case "$sub" in
              ""|--help|-h) printf '%s' "$polecat_help" ;;
              list) respond_file polecat-list polecat-list.json "[]"$'\n' ;;
              git-state)
                target="${3:-}"
                name="${target#*/}"
                key="git-state-$name"
                if [ -f "$dir/$key.json" ]; then respond "$key" "$(cat "$dir/$key.json")"$'\n'; fi
                if [ ! -f "$dir/$key.exit" ]; then printf 'Error: polecat %s not found\n' "$target" >&2; exit 1; fi
                respond "$key" ""
                ;;
              identity)
                case "${3:-}" in
                  ""|--help|-h) printf '%s' "$identity_help" ;;
                  add) respond polecat-identity-add "Created polecat identity ${4:-}/${5:-}"$'\n' ;;
                  *) unknown "${3:-}" "gt polecat identity" ;;
                esac
                ;;
              *) unknown "$sub" "gt polecat" ;;
            esac
            ;;
          config)
            case "${2:-}" in
              get)
                if [ -f "$dir/config-${3:-}" ]; then respond config-get "$(cat "$dir/config-${3:-}")"$'\n'; fi
                respond config-get "-1"$'\n'
                ;;
              set)
                value="${4:-}"
                if [ "$value" = "--" ]; then value="${5:-}"; fi
                # like gt, a successful set is what the next get prints
                if [ ! -f "$dir/config-set.exit" ] || [ "$(cat "$dir/config-set.exit")" = "0" ]; then printf '%s' "$value" > "$dir/config-${3:-}"; fi
                respond config-set "Set ${3:-} = $value"$'\n'
                ;;
              *) unknown "${2:-}" "gt config" ;;
            esac
            ;;
          *)
            unknown "$cmd" gt
            ;;
        esac
        """;
}
