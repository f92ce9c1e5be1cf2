/*
 * Writes src/mdb/render/json-schema.json from render/json-schema.ts (the
 * schema of --json), or with --check exits 1 when the file is not current.
 *
 *   node dist/tools/json-schema.js [--check]
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { jsonSchema } from '../mdb/render/json-schema.js';

export const SCHEMA_FILE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/mdb/render/json-schema.json');

export function schemaText(): string {
  return JSON.stringify(jsonSchema, null, 2) + '\n';
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const want = schemaText();
  if (process.argv.includes('--check')) {
    const have = fs.existsSync(SCHEMA_FILE) ? fs.readFileSync(SCHEMA_FILE, 'utf8') : '';
    if (have !== want) {
      process.stderr.write(`json-schema: ${SCHEMA_FILE} is not current: run npm run json-schema\n`);
      process.exit(1);
    }
  } else {
    fs.writeFileSync(SCHEMA_FILE, want);
    process.stdout.write(`wrote ${SCHEMA_FILE}\n`);
  }
}
