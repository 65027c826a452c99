import { parseConfigText, readConfigFile } from './parse-config-text.js';
import { cairnConfigSchema, type CairnConfig } from './schemas/cairn-config-schema.js';

/** Validates the text of a `cairn.yaml`; throws one ConfigError listing every problem. */
export function parseCairnConfig(text: string, file = 'cairn.yaml'): CairnConfig {
  return parseConfigText(file, text, cairnConfigSchema);
}

export async function loadCairnConfig(file: string): Promise<CairnConfig> {
  return parseCairnConfig(await readConfigFile(file), file);
}
