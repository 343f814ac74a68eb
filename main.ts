// Entry point (cdktf.json "app", `npm run synth`): read the config once, build
// the app, synthesize. Everything else lives in stacks/ and config/.
import { ConfigError, DEFAULT_CONFIG_PATH, loadConfig } from "./config/load";
import { buildApp } from "./stacks/app";

function main(): void {
  const configPath = process.env.TRANSFER_CONFIG || DEFAULT_CONFIG_PATH;
  let config;
  try {
    config = loadConfig(configPath);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`${error.message}\nNothing was synthesized.`);
      process.exit(1);
    }
    throw error;
  }
  buildApp(config, { projectRoot: process.cwd() }).synth();
}

main();
