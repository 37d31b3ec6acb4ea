/** The fake Linear GraphQL server for tests (see `server.ts`). */
export { startFakeLinear } from './server.js';
export type { FakeFailureMode, FakeFailureOptions, FakeLinear, FakeLinearOptions, FakeLinearRequest } from './server.js';
export type { FakeComment, FakeIssue, FakeIssueInput, FakeState, FakeUser } from './board.js';
export { linearSchema, linearSchemaPath } from './schema.js';
