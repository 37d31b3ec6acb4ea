/**
 * Linear issue normalization (`normalizeLinearIssue`) on 50-issue pages shaped like the adapter's
 * `SymphonyIssueFields` selection, with labels and inverse relations. Prints figures only.
 *
 * Run: `npm run build && node --expose-gc bench/linear-normalize.bench.ts`.
 */
import { normalizeLinearIssue, type NormalizeContext } from '../dist/tracker/linear/normalize.js';
import type * as Harness from './lib/harness.js';

// Node needs the real `.ts` extension, which tsc rejects in a static import: load dynamically, typed above.
const { measure, toRow, printTable, printEnvironment } = (await import(new URL('./lib/harness.ts', import.meta.url).href)) as typeof Harness;

const PAGE_SIZE = 50;
const PAGES = 20;
const LABELS = ['Agent', 'Backend', ' frontend ', 'Bug', 'feature', 'Payments', 'infra', 'agent'];
const STATES = ['Todo', 'In Progress', 'Done', 'Canceled', 'Human Review'];
const CONTEXT: NormalizeContext = { terminalStates: ['Done', 'Canceled', 'Cancelled', 'Duplicate'], assigneeId: 'user-1' };

/** One Linear `Issue` node as the GraphQL API returns it (`SymphonyIssueFields`). */
function linearNode(index: number): Record<string, unknown> {
  const identifier = `PAY-${index + 1}`;
  const relations = Array.from({ length: index % 4 }, (_, r) => ({
    type: r % 2 === 0 ? 'blocks' : 'related',
    issue: { id: `rel-${index}-${r}`, identifier: `PAY-${index + 1000 + r}`, state: { name: STATES[(index + r) % STATES.length] } },
  }));
  return {
    id: `5a0e${index.toString(16).padStart(8, '0')}-7c3d-4f1b-9e2a-1d6c8b4f0a3e`,
    identifier,
    title: `Ledger export rounds split refunds per invoice (#${index})`,
    description: `Refunds split across ${index % 9} invoices are rounded per part.\n\n- [ ] reproduce\n- [ ] fix rounding\n- [ ] add regression test`,
    priority: index % 5,
    branchName: `pay-${index + 1}-ledger-export-rounding`,
    url: `https://linear.app/acme/issue/${identifier}/ledger-export-rounds-split-refunds`,
    createdAt: new Date(Date.UTC(2025, 0, 1) + index * 3_600_000).toISOString(),
    updatedAt: new Date(Date.UTC(2025, 2, 1) + index * 60_000).toISOString(),
    state: { name: STATES[index % 2] },
    assignee: index % 3 === 0 ? null : { id: index % 3 === 1 ? 'user-1' : 'user-2' },
    team: { id: 'team-7f3a', key: 'PAY' },
    labels: { nodes: Array.from({ length: 2 + (index % 4) }, (_, l) => ({ name: LABELS[(index + l) % LABELS.length] })) },
    inverseRelations: { nodes: relations },
  };
}

/** A page response body as `issues(...)` returns it. */
function pageResponse(page: number): string {
  const nodes = Array.from({ length: PAGE_SIZE }, (_, i) => linearNode(page * PAGE_SIZE + i));
  return JSON.stringify({ data: { issues: { nodes, pageInfo: { hasNextPage: page < PAGES - 1, endCursor: `cursor-${page}` } } } });
}

interface PageBody {
  readonly data: { readonly issues: { readonly nodes: readonly unknown[] } };
}

function normalizePage(nodes: readonly unknown[]): number {
  let ok = 0;
  for (const node of nodes) if (normalizeLinearIssue(node, CONTEXT).ok) ok++;
  if (ok !== nodes.length) throw new Error(`bench normalize: only ${ok} of ${nodes.length} nodes normalized`);
  return ok;
}

printEnvironment('linear-normalize.bench.ts');

const bodies = Array.from({ length: PAGES }, (_, page) => pageResponse(page));
const pages = bodies.map((body) => (JSON.parse(body) as PageBody).data.issues.nodes);
let next = 0;
let nextBody = 0;

printTable(`normalizeLinearIssue, ${PAGE_SIZE}-issue pages (n = issues per sample; p50/p99 are ms per page)`, [
  measure({ name: 'normalize page (parsed nodes)', n: PAGE_SIZE, run: () => normalizePage(pages[next++ % PAGES]!) }),
  measure({
    name: 'JSON.parse body + normalize page',
    n: PAGE_SIZE,
    bytes: bodies[0]!.length,
    run: () => normalizePage((JSON.parse(bodies[nextBody++ % PAGES]!) as PageBody).data.issues.nodes),
  }),
].map(toRow));
