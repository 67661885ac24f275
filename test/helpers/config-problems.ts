import { ConfigError } from '../../src/config/config.error.js';
import { loadConfig } from '../../src/config/load-config.js';

/** The problems loadConfig reports for `env`; fails the test when the configuration loads. */
export function configProblems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected loadConfig to fail');
}
