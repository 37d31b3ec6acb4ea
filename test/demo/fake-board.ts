/**
 * A fake board to try `symphony` by hand, exactly as the end-to-end tests do: a fake Linear API
 * and a scripted model provider on 127.0.0.1, an issue in Todo, and a ready WORKFLOW.md that points
 * the real Codex binary at them. Run `npm run fake-board`, then start the daemon with the command
 * it prints. Press Ctrl-C to stop the fake board.
 */
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { codexCommand, REPO_ROOT } from '../support/codex.js';
import { startFakeLinear } from '../support/fake-linear/index.js';
import { startFakeModel, type ModelStep } from '../support/fake-model/index.js';

const API_KEY = 'lin_api_fake_board_demo_key';

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'symphony-fake-board-'));
  const codexHome = path.join(dir, 'codex-home');
  const home = path.join(dir, 'home');
  await Promise.all([mkdir(codexHome), mkdir(home)]);
  const linear = await startFakeLinear({ apiKey: API_KEY, projectSlug: 'demo' });
  const model = await startFakeModel((req): ModelStep => {
    const last = req.toolOutputs[req.toolOutputs.length - 1]?.output ?? '';
    const issueId = /issue id (\S+)\)/.exec(JSON.stringify(req.input))?.[1] ?? '';
    switch (req.stepInTurn) {
      case 0:
        return { type: 'function_call', name: 'exec_command', arguments: { cmd: 'echo "written by the agent" > NOTES.md && ls -la' } };
      case 1:
        return {
          type: 'function_call',
          name: 'linear_graphql',
          arguments: { query: 'query { workflowStates(filter: {name: {eq: "Done"}}) { nodes { id name } } }' },
        };
      case 2:
        return {
          type: 'function_call',
          name: 'linear_graphql',
          arguments: {
            query: 'mutation Move($id: String!, $stateId: String!) { issueUpdate(id: $id, input: {stateId: $stateId}) { success } }',
            variables: { id: issueId, stateId: /"id":\s*"([^"]+)"/.exec(last)?.[1] ?? '' },
          },
        };
      default:
        return { type: 'message', text: 'I wrote NOTES.md and moved the issue to Done.' };
    }
  });
  const issue = linear.addIssue({ identifier: 'DEMO-1', title: 'Write the notes file', state: 'Todo', priority: 2 });
  const workflowPath = path.join(dir, 'WORKFLOW.md');
  await writeFile(
    workflowPath,
    `---
tracker:
  kind: linear
  provider:
    api_key: $LINEAR_API_KEY
    project_slug: demo
    endpoint: ${linear.url}
polling:
  interval_ms: 2000
workspace:
  root: ./workspaces
hooks:
  after_create: |
    echo "after_create ran in $PWD"
  before_remove: |
    echo "before_remove ran; NOTES.md says: $(cat NOTES.md)"
codex:
  command: ${JSON.stringify(codexCommand({ modelBaseUrl: model.baseUrl, codexHome }))}
---
Work on {{ issue.identifier }} (issue id {{ issue.id }}): {{ issue.title }}.
`,
  );
  const bin = path.join(REPO_ROOT, 'bin', 'symphony.js');
  process.stdout.write(
    [
      `Fake Linear: ${linear.url} (issue ${issue.identifier} in Todo)`,
      `Scripted model: ${model.baseUrl}`,
      '',
      'In another terminal, start the daemon:',
      `  cd ${dir} && HOME=${home} LINEAR_API_KEY=${API_KEY} ${path.join(REPO_ROOT, 'node_modules', '.bin', 'node')} ${bin} ./WORKFLOW.md`,
      '',
      'Watch it dispatch DEMO-1, run Codex in ./workspaces/DEMO-1, move the issue to Done and remove the workspace.',
      'Board changes are printed here. Ctrl-C stops the fake board.',
      '',
    ].join('\n'),
  );
  let lastState = 'Todo';
  const watch = setInterval(() => {
    const state = linear.issue('DEMO-1')?.state ?? 'missing';
    if (state !== lastState) process.stdout.write(`board: DEMO-1 moved ${lastState} → ${state}\n`);
    lastState = state;
  }, 250);
  const stop = (): void => {
    clearInterval(watch);
    void Promise.all([linear.close(), model.close()]).then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

void main();
