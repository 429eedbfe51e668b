import { readEnv, type Env } from "../config.js";
import { isAppError } from "../errors.js";
import { runMain } from "./main.js";

let env: Env;
try {
  env = readEnv(process.cwd());
} catch (error) {
  process.stderr.write(`${isAppError(error) ? error.userMessage : String(error)}\n`);
  process.exit(2);
}
process.exitCode = await runMain(process.argv.slice(2), {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env,
  cwd: process.cwd(),
});
