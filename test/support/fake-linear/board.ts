/**
 * The fake Linear server's in-memory board: one team, projects by slug, workflow states, users,
 * issues (in insertion order = Linear's page order), blocker relations and comments.
 */
import { randomUUID } from 'node:crypto';

/** Issue as a test adds it; everything but `identifier` has a default. */
export interface FakeIssueInput {
  readonly identifier: string;
  readonly id?: string;
  readonly title?: string;
  readonly description?: string | null;
  readonly state?: string;
  /** Linear's Float priority; default 0 ("no priority"). */
  readonly priority?: number;
  readonly labels?: readonly string[];
  readonly assigneeId?: string | null;
  /** Identifiers of issues that block this one (resolved when queried). */
  readonly blockedBy?: readonly string[];
  /** Project slug; default the server's `projectSlug` (use another to place it out of scope). */
  readonly projectSlug?: string;
  readonly branchName?: string;
  readonly url?: string;
  /** Raw strings as Linear would send them (not validated, so tests can send junk). */
  readonly createdAt?: string;
  readonly updatedAt?: string;
}

/** A stored issue. */
export interface FakeIssue {
  id: string;
  identifier: string;
  number: number;
  title: string;
  description: string | null;
  stateId: string;
  priority: number;
  labels: string[];
  assigneeId: string | null;
  blockedBy: string[];
  projectSlug: string;
  branchName: string;
  url: string;
  createdAt: string;
  updatedAt: string;
}

/** A workflow state of the single team. */
export interface FakeState {
  readonly id: string;
  readonly name: string;
  readonly type: string;
  readonly position: number;
}

/** A comment created through `commentCreate`. */
export interface FakeComment {
  readonly id: string;
  readonly issueId: string;
  readonly body: string;
  readonly userId: string;
  readonly createdAt: string;
}

/** A user (the viewer, or an assignee). */
export interface FakeUser {
  readonly id: string;
  readonly name: string;
}

/** Board-wide configuration. */
export interface BoardOptions {
  readonly projectSlug: string;
  readonly viewer: FakeUser;
  readonly states: readonly string[];
  readonly teamKey: string;
}

const STATE_TYPES: Readonly<Record<string, string>> = {
  backlog: 'backlog',
  todo: 'unstarted',
  done: 'completed',
  closed: 'completed',
  canceled: 'canceled',
  cancelled: 'canceled',
  duplicate: 'canceled',
};

/** The mutable board. */
export class Board {
  readonly team: { readonly id: string; readonly key: string; readonly name: string };
  readonly viewer: FakeUser;
  readonly projectSlug: string;
  readonly states: FakeState[];
  readonly issues: FakeIssue[] = [];
  readonly comments: FakeComment[] = [];
  readonly users = new Map<string, FakeUser>();
  #clock = Date.parse('2024-01-01T00:00:00.000Z');

  constructor(options: BoardOptions) {
    this.team = { id: `team-${options.teamKey.toLowerCase()}`, key: options.teamKey, name: `Team ${options.teamKey}` };
    this.viewer = options.viewer;
    this.projectSlug = options.projectSlug;
    this.users.set(options.viewer.id, options.viewer);
    this.states = options.states.map((name, index) => ({
      id: `state-${index + 1}-${name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`,
      name,
      type: STATE_TYPES[name.trim().toLowerCase()] ?? 'started',
      position: index,
    }));
  }

  /** Adds an issue; throws on an unknown state or a duplicate identifier. */
  addIssue(input: FakeIssueInput): FakeIssue {
    if (this.findIssue(input.identifier)) throw new Error(`fake-linear: issue ${input.identifier} already exists`);
    const state = this.stateByName(input.state ?? this.states[0]?.name ?? 'Todo');
    this.#clock += 60_000;
    const stamp = new Date(this.#clock).toISOString();
    const issue: FakeIssue = {
      id: input.id ?? randomUUID(),
      identifier: input.identifier,
      number: Number(/(\d+)$/.exec(input.identifier)?.[1] ?? this.issues.length + 1),
      title: input.title ?? `Issue ${input.identifier}`,
      description: input.description ?? null,
      stateId: state.id,
      priority: input.priority ?? 0,
      labels: [...(input.labels ?? [])],
      assigneeId: input.assigneeId ?? null,
      blockedBy: [...(input.blockedBy ?? [])],
      projectSlug: input.projectSlug ?? this.projectSlug,
      branchName: input.branchName ?? `feature/${input.identifier.toLowerCase()}`,
      url: input.url ?? `https://linear.app/fake/issue/${input.identifier}`,
      createdAt: input.createdAt ?? stamp,
      updatedAt: input.updatedAt ?? stamp,
    };
    if (issue.assigneeId !== null) this.ensureUser(issue.assigneeId);
    this.issues.push(issue);
    return issue;
  }

  /** By id or identifier. */
  findIssue(idOrIdentifier: string): FakeIssue | undefined {
    return this.issues.find((issue) => issue.id === idOrIdentifier || issue.identifier === idOrIdentifier);
  }

  /** By id or identifier; throws when absent. */
  requireIssue(idOrIdentifier: string): FakeIssue {
    const issue = this.findIssue(idOrIdentifier);
    if (!issue) throw new Error(`Entity not found: Issue - Could not find referenced Issue ${idOrIdentifier}.`);
    return issue;
  }

  /** By exact name; throws when absent. */
  stateByName(name: string): FakeState {
    const state = this.states.find((s) => s.name === name);
    if (!state) throw new Error(`fake-linear: unknown workflow state ${JSON.stringify(name)}`);
    return state;
  }

  /** By id; throws when absent. */
  stateById(id: string): FakeState {
    const state = this.states.find((s) => s.id === id);
    if (!state) throw new Error(`Entity not found: WorkflowState - Could not find referenced WorkflowState ${id}.`);
    return state;
  }

  /** Moves an issue to the named state and bumps `updatedAt`. */
  moveIssue(issue: FakeIssue, stateId: string): void {
    issue.stateId = this.stateById(stateId).id;
    this.touch(issue);
  }

  /** Bumps `updatedAt`. */
  touch(issue: FakeIssue): void {
    this.#clock += 1_000;
    issue.updatedAt = new Date(this.#clock).toISOString();
  }

  /** Stores a comment by the viewer. */
  addComment(issueId: string, body: string): FakeComment {
    const issue = this.requireIssue(issueId);
    this.#clock += 1_000;
    const comment = { id: randomUUID(), issueId: issue.id, body, userId: this.viewer.id, createdAt: new Date(this.#clock).toISOString() };
    this.comments.push(comment);
    return comment;
  }

  /** The user with this id, created on first reference. */
  ensureUser(id: string): FakeUser {
    let user = this.users.get(id);
    if (!user) {
      user = { id, name: `User ${id}` };
      this.users.set(id, user);
    }
    return user;
  }
}
