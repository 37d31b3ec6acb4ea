/** Server request methods of Codex 0.169 (`ServerRequest.json`) this client knows by name (spec §10.5). */
export const ServerRequestMethod = {
  commandApproval: 'item/commandExecution/requestApproval',
  fileChangeApproval: 'item/fileChange/requestApproval',
  permissionsApproval: 'item/permissions/requestApproval',
  legacyExecApproval: 'execCommandApproval',
  legacyPatchApproval: 'applyPatchApproval',
  mcpElicitation: 'mcpServer/elicitation/request',
  userInput: 'item/tool/requestUserInput',
  toolCall: 'item/tool/call',
  currentTime: 'currentTime/read',
} as const;

/** The approval request methods (current and legacy). */
export const APPROVAL_METHODS: ReadonlySet<string> = new Set([
  ServerRequestMethod.commandApproval,
  ServerRequestMethod.fileChangeApproval,
  ServerRequestMethod.permissionsApproval,
  ServerRequestMethod.legacyExecApproval,
  ServerRequestMethod.legacyPatchApproval,
]);
