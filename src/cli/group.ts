import type { CommandModule } from 'yargs';

/** Erases a command's argument type, for a group's list of subcommands. */
export const command = <A>(module: CommandModule<object, A>): CommandModule => module as unknown as CommandModule;

/** A command that only groups subcommands (`kubelab scenario run`, `kubelab services up`). */
export function commandGroup(
  name: string,
  describe: string,
  subcommands: readonly CommandModule[],
  epilog: readonly string[],
  aliases: readonly string[] = [],
): CommandModule {
  return {
    command: name,
    aliases: [...aliases],
    describe,
    builder: (y) => {
      let withCommands = y;
      for (const sub of subcommands) withCommands = withCommands.command(sub);
      return withCommands.demandCommand(1, `Name a subcommand; \`kubelab ${name} --help\` lists them.`).epilog(epilog.join('\n\n'));
    },
    handler: () => undefined,
  };
}
