import type { Argv, CommandModule } from 'yargs';

/** Erases a command's argument type, for a group's list of subcommands. */
export const command = <A>(module: CommandModule<object, A>): CommandModule => module as unknown as CommandModule;

/**
 * A command that only groups subcommands (`kubelab scenario run`, `kubelab services up`). An epilog
 * given as a function is built only for the group's own help, so that `kubelab --help` does not
 * load what it is built from.
 */
export function commandGroup(
  name: string,
  describe: string,
  subcommands: readonly CommandModule[],
  epilog: readonly string[] | (() => Promise<readonly string[]>),
  aliases: readonly string[] = [],
): CommandModule {
  const build = (y: Argv, paragraphs: readonly string[]): Argv => {
    let withCommands = y;
    for (const sub of subcommands) withCommands = withCommands.command(sub);
    return withCommands.demandCommand(1, `Name a subcommand; \`kubelab ${name} --help\` lists them.`).epilog(paragraphs.join('\n\n'));
  };
  return {
    command: name,
    aliases: [...aliases],
    describe,
    builder: typeof epilog === 'function' ? async (y) => build(y, await epilog()) : (y) => build(y, epilog),
    handler: () => undefined,
  };
}
