/*
 * The JSON Schema of `mddb DUMP --json` (and of each `--jsonl` line: a
 * command record), written here next to the types it describes
 * (render/json.ts: CommandRecordJson, resultJson; dcmd.ts: Result) and
 * written out to json-schema.json by `node dist/tools/json-schema.js`.
 * test/cli/json-schema.test.ts checks the file is current and that the
 * --json output of every golden case validates against it.
 *
 * The conventions it fixes: addresses, flags and masks are hex strings
 * ("0x…", lower case), counts and sizes are numbers, errors are objects with
 * a message, and a result is one of four kinds: a table (rows keyed by
 * column), a dcmd's typed `data` (never its text), the values a format verb
 * printed (`/X`, `=D`), or a list of addresses.
 */
import { COUNT_PATTERN, FLAG_PATTERN, JSON_SCHEMA_VERSION } from './json.js';

const hex = { type: 'string', pattern: '^0x[0-9a-f]+$', description: 'an address, flag word or mask: lower-case hex with 0x (kernel addresses exceed 2^53)' };

export const jsonSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://github.com/mddb/mddb/src/mdb/render/json-schema.json',
  title: 'mddb --json',
  description: `The document \`mddb DUMP --json -e CMD\` prints (schemaVersion ${JSON_SCHEMA_VERSION}); each line of --jsonl is one #/$defs/command.`,
  type: 'object',
  required: ['schemaVersion', 'dump', 'commands'],
  additionalProperties: false,
  properties: {
    schemaVersion: { const: JSON_SCHEMA_VERSION, description: 'raised when a field changes meaning or goes away, not when one is added' },
    dump: { type: 'string', description: 'the dump file as given on the command line' },
    commands: { type: 'array', items: { $ref: '#/$defs/command' } },
  },
  $defs: {
    hex,
    command: {
      type: 'object',
      description: 'one command of the input (a `;`-separated line holds several), in order',
      required: ['command', 'ok', 'results', 'errors'],
      additionalProperties: false,
      properties: {
        command: { type: 'string', description: 'the command text as parsed' },
        ok: { type: 'boolean', description: 'true when the command printed no error' },
        results: { type: 'array', items: { $ref: '#/$defs/result' } },
        errors: {
          type: 'array',
          items: { type: 'object', required: ['message'], additionalProperties: false, properties: { message: { type: 'string', description: 'the error line as text mode prints it on stderr' } } },
        },
      },
    },
    result: { oneOf: [{ $ref: '#/$defs/table' }, { $ref: '#/$defs/data' }, { $ref: '#/$defs/values' }, { $ref: '#/$defs/addresses' }] },
    table: {
      type: 'object',
      description: 'rows of a table; the rows of a walk or loop are joined into one table',
      required: ['type', 'columns', 'rows'],
      additionalProperties: false,
      properties: {
        type: { const: 'table' },
        columns: {
          type: 'array',
          items: { type: 'object', required: ['key', 'header'], additionalProperties: false, properties: { key: { type: 'string' }, header: { type: 'string' } } },
        },
        rows: { type: 'array', items: { $ref: '#/$defs/row' } },
      },
    },
    row: {
      type: 'object',
      description: 'one row, keyed by column key (camelCase); addresses are hex strings',
      patternProperties: {
        '^(addr|address|[a-z][A-Za-z]*Addr)$': { anyOf: [{ $ref: '#/$defs/hex' }, { type: 'null' }] },
        [FLAG_PATTERN]: { $ref: '#/$defs/hex' },
        [COUNT_PATTERN]: { type: 'number' },
      },
    },
    data: {
      type: 'object',
      description:
        "a dcmd's result as typed data (what its text shows): objects with camelCase keys; addresses, flag words and timestamps are hex strings; counts and sizes are numbers; ::print gives C member names with pointers as hex strings, integers as numbers (hex strings beyond 2^53) and flag members as hex",
      required: ['type', 'data'],
      additionalProperties: false,
      properties: { type: { const: 'data' }, data: { anyOf: [{ type: 'object' }, { type: 'array' }, { type: 'null' }] } },
    },
    values: {
      type: 'object',
      description: 'the values a format verb printed (addr/fmt, expr=fmt), in order',
      required: ['type', 'values'],
      additionalProperties: false,
      properties: {
        type: { const: 'values' },
        values: {
          type: 'array',
          items: {
            type: 'object',
            required: ['format'],
            additionalProperties: false,
            properties: {
              format: { type: 'string', description: 'the format letter' },
              address: { $ref: '#/$defs/hex', description: 'where it was read (addr/fmt only)' },
              bytes: { type: 'integer', description: 'bytes read' },
              value: { $ref: '#/$defs/hex', description: 'the raw value read, unsigned' },
              text: { type: 'string', description: 'the value as printed (decimal for D, a symbol for p, a date for Y)' },
              string: { type: 'string', description: 'a string read by s, S or C' },
              symbol: { type: 'string', description: 'dot as symbol+offset (a)' },
            },
          },
        },
      },
    },
    addresses: {
      type: 'object',
      description: 'addresses, as a walk prints or pipes them',
      required: ['type', 'addresses'],
      additionalProperties: false,
      properties: { type: { const: 'addresses' }, addresses: { type: 'array', items: { $ref: '#/$defs/hex' } }, addressType: { type: 'string', description: 'their C type' } },
    },
  },
} as const;
