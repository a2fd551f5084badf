/**
 * `fleetctl completion bash|zsh`: prints a completion script. Commands and
 * flags come from the specs; unit names are completed from the cluster
 * (`fleetctl list-unit-files`) for commands that act on existing units, and
 * from local files otherwise. zsh reuses the bash function via bashcompinit.
 */
import type { Output } from '../output/io.js';
import type { CommandInfo } from './help.js';
import type { FlagSpec } from './spec.js';

/** Commands whose arguments are units already in the cluster. */
const CLUSTER_UNIT_COMMANDS = ['cat', 'destroy', 'journal', 'restart', 'status', 'stop', 'unload'];

function longFlags(flags: readonly FlagSpec[]): string[] {
  return flags.filter((f) => !f.hidden).flatMap((f) => f.flags.split(/[ ,]+/).filter((t) => t.startsWith('-')));
}

/** The bash completion function. */
export function bashCompletion(commands: readonly CommandInfo[], globals: readonly FlagSpec[]): string {
  const names = commands.map((c) => c.name).sort();
  const cases = commands
    .map((c) => `    ${c.name}) opts="${longFlags(c.flags).join(' ')}"; units=${CLUSTER_UNIT_COMMANDS.includes(c.name) ? 'cluster' : 'files'} ;;`)
    .join('\n');
  return `# fleetctl bash completion; load with: source <(fleetctl completion bash)
_fleetctl() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" cmd="" i opts="" units=files
  local commands="${names.join(' ')}"
  local globals="${longFlags(globals).join(' ')}"
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in
      --endpoint|--driver|--etcd-key-prefix|--key-file|--cert-file|--ca-file|--request-timeout) ((i++)) ;;
      -*) ;;
      *) cmd="\${COMP_WORDS[i]}"; break ;;
    esac
  done
  if [[ -z "$cmd" ]]; then
    COMPREPLY=($(compgen -W "$commands $globals" -- "$cur"))
    return
  fi
  case "$cmd" in
${cases}
  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$opts $globals" -- "$cur"))
  elif [[ "$units" == cluster ]]; then
    COMPREPLY=($(compgen -W "$(fleetctl list-unit-files --no-legend --fields=unit 2>/dev/null)" -- "$cur"))
  else
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
}
complete -o default -F _fleetctl fleetctl
`;
}

/** Prints the script for `shell`; returns the exit code. */
export function runCompletion(out: Output, args: readonly string[], commands: readonly CommandInfo[], globals: readonly FlagSpec[]): number {
  const shell = args[0];
  if (args.length !== 1 || (shell !== 'bash' && shell !== 'zsh')) {
    out.stderr.write('Usage: fleetctl completion bash|zsh\n');
    return 1;
  }
  const bash = bashCompletion(commands, globals);
  out.stdout.write(shell === 'bash' ? bash : `#compdef fleetctl\n# fleetctl zsh completion; load with: source <(fleetctl completion zsh)\nautoload -U +X bashcompinit && bashcompinit\n${bash}`);
  return 0;
}
