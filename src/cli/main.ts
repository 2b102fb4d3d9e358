// The syncward command line. State-changing commands work directly on the store; `serve` runs the server.
import { Command, CommanderError } from 'commander';
import { CliError } from './context.js';
import { registerAccessCommands } from './access.js';
import { registerDeviceCommands } from './device.js';
import { registerPolicyCommands } from './policy.js';
import { registerServeCommand } from './serve.js';
import { registerUserCommands } from './user.js';

export function buildProgram(): Command {
  const program = new Command('syncward')
    .description('Exchange ActiveSync server that knows and controls every phone reading your mail')
    .option(
      '--database <url>',
      'state store: sqlite:<file> or postgres://... (env EAS_DATABASE_URL; default sqlite:./data/syncward.db)',
    )
    .showHelpAfterError()
    .exitOverride();
  registerServeCommand(program);
  registerUserCommands(program);
  registerPolicyCommands(program);
  registerDeviceCommands(program);
  registerAccessCommands(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    if (err instanceof CliError) {
      process.stderr.write(`syncward: ${err.message}\n`);
      return 1;
    }
    process.stderr.write(`syncward: ${(err as Error).message}\n`);
    if (process.env.EAS_DEBUG) process.stderr.write(`${(err as Error).stack}\n`);
    return 1;
  }
}

const code = await main(process.argv);
if (code !== 0) process.exitCode = code;
