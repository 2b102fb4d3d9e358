// Validation error of the policy module: every problem found, each naming its field, so the
// admin API and the CLI can show them all at once. Mapped to HTTP 400 by the admin layer.

export interface PolicyIssue {
  /** Setting or option name as spelled in PolicySettings / PolicyServerOptions ('' = whole input). */
  field: string;
  message: string;
}

export class PolicyValidationError extends Error {
  readonly code = 'EAS_ERR_POLICY_INVALID';
  readonly issues: readonly PolicyIssue[];

  constructor(issues: PolicyIssue[]) {
    super(
      `invalid policy: ${issues.map((i) => (i.field ? `${i.field}: ${i.message}` : i.message)).join('; ')}`,
    );
    this.name = 'PolicyValidationError';
    this.issues = issues;
  }
}
