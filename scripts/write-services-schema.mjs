// Writes docs/services-spec.schema.json from the schema the services framework validates with
// (frameworks/services/spec/schema.ts). Run after a build: node scripts/write-services-schema.mjs
import { writeFileSync } from 'node:fs';
import { serviceFileSchema } from '../dist/frameworks/services/spec/schema.js';

writeFileSync(new URL('../docs/services-spec.schema.json', import.meta.url), `${JSON.stringify(serviceFileSchema, null, 2)}\n`);
