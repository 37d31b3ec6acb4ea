/**
 * GraphQL views of the fake board: a `rootValue` whose functions graphql-js's default resolver
 * calls, returning objects whose function-valued fields resolve lazily (so relations are only
 * computed when a document selects them). Filters unsupported here fail loudly with a GraphQL
 * error naming the key, instead of silently matching everything.
 */
import type { Board, FakeComment, FakeIssue, FakeState, FakeUser } from './board.js';

type Args = Record<string, unknown>;
type View = Record<string, unknown>;
/** A project as the fake serves it (the board knows projects by slug only). */
interface ProjectView {
  readonly id: string;
  readonly slugId: string;
  readonly name: string;
}

/** `{ nodes, edges, pageInfo }` over `items`, honouring `first` / `after` (cursor = item id). */
function connection<T extends { id: string }>(items: readonly T[], args: Args, view: (item: T) => View): View {
  let start = 0;
  if (typeof args.after === 'string') {
    const index = items.findIndex((item) => item.id === args.after);
    if (index < 0) throw new Error(`fake-linear: unknown cursor ${args.after}`);
    start = index + 1;
  }
  const first = typeof args.first === 'number' ? args.first : 50;
  if (first < 0 || first > 250) throw new Error('fake-linear: first must be between 0 and 250');
  const page = items.slice(start, start + first);
  const hasNextPage = start + first < items.length;
  return {
    nodes: page.map(view),
    edges: page.map((item) => ({ node: view(item), cursor: item.id })),
    pageInfo: {
      hasNextPage,
      hasPreviousPage: start > 0,
      startCursor: page[0]?.id ?? null,
      endCursor: page.at(-1)?.id ?? null,
    },
  };
}

/** A GraphQL scalar argument as text. */
function text(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** StringComparator / IDComparator / NumberComparator subset. */
function compare(value: unknown, comparator: unknown, path: string): boolean {
  if (typeof comparator !== 'object' || comparator === null) return true;
  return Object.entries(comparator as Args).every(([op, expected]) => {
    const text = typeof value === 'string' ? value : String(value);
    switch (op) {
      case 'eq':
        return value === expected;
      case 'neq':
        return value !== expected;
      case 'in':
        return Array.isArray(expected) && expected.includes(value);
      case 'nin':
        return Array.isArray(expected) && !expected.includes(value);
      case 'eqIgnoreCase':
        return typeof expected === 'string' && text.toLowerCase() === expected.toLowerCase();
      case 'neqIgnoreCase':
        return typeof expected === 'string' && text.toLowerCase() !== expected.toLowerCase();
      case 'contains':
        return typeof expected === 'string' && text.includes(expected);
      case 'containsIgnoreCase':
        return typeof expected === 'string' && text.toLowerCase().includes(expected.toLowerCase());
      case 'startsWith':
        return typeof expected === 'string' && text.startsWith(expected);
      case 'null':
        return (value === null || value === undefined) === expected;
      default:
        throw new Error(`fake-linear: unsupported comparator ${path}.${op}`);
    }
  });
}

/** Matches an object filter: each key maps to a field reader; `and` / `or` recurse. */
function matches(filter: unknown, path: string, fields: Readonly<Record<string, (filter: unknown) => boolean>>): boolean {
  if (typeof filter !== 'object' || filter === null) return true;
  return Object.entries(filter as Args).every(([key, sub]) => {
    if (key === 'and') return Array.isArray(sub) && sub.every((f) => matches(f, path, fields));
    if (key === 'or') return Array.isArray(sub) && sub.some((f) => matches(f, path, fields));
    const field = fields[key];
    if (!field) throw new Error(`fake-linear: unsupported filter key ${path}.${key}`);
    return field(sub);
  });
}

/** Builds the root value (queries and mutations) over `board`. */
export function rootValue(board: Board): View {
  const team = (): View => ({ ...board.team, states: (args: Args) => connection(statesMatching(args.filter), args, stateView) });
  const userView = (user: FakeUser): View => ({ ...user, displayName: user.name, email: `${user.id}@fake.linear`, active: true });
  const stateView = (state: FakeState): View => ({ ...state, color: '#888888', team, description: null, archivedAt: null });
  const statesMatching = (filter: unknown): FakeState[] =>
    board.states.filter((state) =>
      matches(filter, 'WorkflowStateFilter', {
        id: (c) => compare(state.id, c, 'id'),
        name: (c) => compare(state.name, c, 'name'),
        type: (c) => compare(state.type, c, 'type'),
        team: (f) => matches(f, 'TeamFilter', {
          id: (c) => compare(board.team.id, c, 'team.id'),
          key: (c) => compare(board.team.key, c, 'team.key'),
          name: (c) => compare(board.team.name, c, 'team.name'),
        }),
      }),
    );
  const projectView = (slug: string): ProjectView => ({ id: `project-${slug}`, slugId: slug, name: `Project ${slug}` });
  /** Root `projects`: the board's own project is the only one visible to the key. */
  const projectsMatching = (filter: unknown): ProjectView[] => {
    const project = projectView(board.projectSlug);
    const hit = matches(filter, 'ProjectFilter', {
      id: (c) => compare(project.id, c, 'id'),
      slugId: (c) => compare(project.slugId, c, 'slugId'),
      name: (c) => compare(project.name, c, 'name'),
    });
    return hit ? [project] : [];
  };
  const issueMatches = (issue: FakeIssue, filter: unknown): boolean =>
    matches(filter, 'IssueFilter', {
      id: (c) => compare(issue.id, c, 'id'),
      number: (c) => compare(issue.number, c, 'number'),
      title: (c) => compare(issue.title, c, 'title'),
      project: (f) => matches(f, 'project', {
        slugId: (c) => compare(issue.projectSlug, c, 'project.slugId'),
        id: (c) => compare(`project-${issue.projectSlug}`, c, 'project.id'),
      }),
      state: (f) => {
        const state = board.stateById(issue.stateId);
        return matches(f, 'state', {
          name: (c) => compare(state.name, c, 'state.name'),
          id: (c) => compare(state.id, c, 'state.id'),
          type: (c) => compare(state.type, c, 'state.type'),
        });
      },
      assignee: (f) => matches(f, 'assignee', {
        id: (c) => compare(issue.assigneeId, c, 'assignee.id'),
        null: (expected) => (issue.assigneeId === null) === expected,
        isMe: (c) => compare(issue.assigneeId === board.viewer.id, c, 'assignee.isMe'),
      }),
      team: (f) => matches(f, 'team', {
        id: (c) => compare(board.team.id, c, 'team.id'),
        key: (c) => compare(board.team.key, c, 'team.key'),
      }),
    });
  const commentView = (comment: FakeComment): View => ({
    ...comment,
    issue: () => issueView(board.requireIssue(comment.issueId)),
    user: () => userView(board.ensureUser(comment.userId)),
    updatedAt: comment.createdAt,
    url: `https://linear.app/fake/comment/${comment.id}`,
  });
  const relation = (blocker: FakeIssue, blocked: FakeIssue) => ({
    id: `rel-${blocker.id}-${blocked.id}`,
    type: 'blocks',
    issue: () => issueView(blocker),
    relatedIssue: () => issueView(blocked),
    createdAt: blocked.createdAt,
    updatedAt: blocked.createdAt,
    archivedAt: null,
  });
  const issueView = (issue: FakeIssue): View => ({
    ...issue,
    priorityLabel: ['No priority', 'Urgent', 'High', 'Medium', 'Low'][issue.priority] ?? 'Unknown',
    state: () => stateView(board.stateById(issue.stateId)),
    assignee: () => (issue.assigneeId === null ? null : userView(board.ensureUser(issue.assigneeId))),
    team,
    project: () => projectView(issue.projectSlug),
    labelIds: issue.labels.map((name) => `label-${name}`),
    labels: (args: Args) => connection(issue.labels.map((name) => ({ id: `label-${name}`, name })), args, (l) => ({ ...l, color: '#000000' })),
    inverseRelations: (args: Args) => {
      const blockers = issue.blockedBy.map((identifier) => board.findIssue(identifier)).filter((b): b is FakeIssue => b !== undefined);
      return connection(blockers.map((b) => relation(b, issue)), args, (r) => r);
    },
    relations: (args: Args) => {
      const blocked = board.issues.filter((other) => other.blockedBy.includes(issue.identifier));
      return connection(blocked.map((b) => relation(issue, b)), args, (r) => r);
    },
    comments: (args: Args) => connection(board.comments.filter((c) => c.issueId === issue.id), args, commentView),
  });

  const payload = (extra: View): View => ({ success: true, lastSyncId: board.issues.length + board.comments.length, ...extra });

  return {
    viewer: () => userView(board.viewer),
    issues: (args: Args) => connection(board.issues.filter((issue) => issueMatches(issue, args.filter)), args, issueView),
    issue: (args: Args) => issueView(board.requireIssue(String(args.id))),
    projects: (args: Args) => connection(projectsMatching(args.filter), args, (project) => ({ ...project })),
    workflowStates: (args: Args) => connection(statesMatching(args.filter), args, stateView),
    workflowState: (args: Args) => stateView(board.stateById(String(args.id))),
    team: (args: Args) => {
      if (args.id !== board.team.id && args.id !== board.team.key) throw new Error(`Entity not found: Team ${String(args.id)}`);
      return team();
    },
    teams: (args: Args) => connection([board.team], args, () => team()),
    issueUpdate: (args: Args) => {
      const issue = board.requireIssue(String(args.id));
      const input = (args.input ?? {}) as Args;
      for (const [key, value] of Object.entries(input)) {
        if (key === 'stateId') board.moveIssue(issue, text(value));
        else if (key === 'assigneeId') issue.assigneeId = value === null ? null : board.ensureUser(text(value)).id;
        else if (key === 'title') issue.title = text(value);
        else if (key === 'description') issue.description = value === null ? null : text(value);
        else if (key === 'priority') issue.priority = Number(value);
        else throw new Error(`fake-linear: issueUpdate does not support input.${key}`);
      }
      board.touch(issue);
      return payload({ issue: issueView(issue) });
    },
    commentCreate: (args: Args) => {
      const input = (args.input ?? {}) as Args;
      if (typeof input.issueId !== 'string' || typeof input.body !== 'string') {
        throw new Error('fake-linear: commentCreate needs input.issueId and input.body');
      }
      return payload({ comment: commentView(board.addComment(input.issueId, input.body)) });
    },
  };
}
