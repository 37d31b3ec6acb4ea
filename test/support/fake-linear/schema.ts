/**
 * Linear's published schema, loaded once per test process from `../shared/linear/schema.graphql`
 * relative to the repository root (data only; never copied into the project).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { buildSchema, type GraphQLSchema } from 'graphql';

/** Repository root (this file lives in `test/support/fake-linear/`). */
export const repoRoot = path.resolve(import.meta.dirname, '..', '..', '..');

/** Absolute path of Linear's published schema. */
export const linearSchemaPath = path.resolve(repoRoot, '..', 'shared', 'linear', 'schema.graphql');

let cached: Promise<GraphQLSchema> | null = null;

/** The built schema (cached for the process). */
export function linearSchema(): Promise<GraphQLSchema> {
  cached ??= readFile(linearSchemaPath, 'utf8').then((sdl) => buildSchema(sdl));
  return cached;
}
