// PostgreSQL PolicyStore (src/store/types.ts): policies and domain -> policy assignments.
import type { Policy } from '../../policy/types.js';
import type { PolicyStore } from '../types.js';
import { StoreConflictError } from '../types.js';
import type { PolicyRow } from '../sql/policies.js';
import { policyFromRow } from '../sql/policies.js';
import { nameKey } from '../sql/values.js';
import type { Pool } from './db.js';
import { isForeignKeyViolation, isUniqueViolation, withTransaction } from './db.js';

// Upsert on id: a replace keeps the row, so users and domains stay assigned to it.
const PUT_POLICY = `INSERT INTO policies (id, name, name_key, is_default, settings, options, revision,
    created_at, updated_at)
  VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7, $8, $9)
  ON CONFLICT (id) DO UPDATE SET name = excluded.name, name_key = excluded.name_key,
    is_default = excluded.is_default, settings = excluded.settings, options = excluded.options,
    revision = excluded.revision, created_at = excluded.created_at, updated_at = excluded.updated_at`;

export function postgresPolicyStore(pool: Pool): PolicyStore {
  const one = async (sql: string, params: unknown[]): Promise<Policy | null> => {
    const { rows } = await pool.query<PolicyRow>(sql, params);
    return rows[0] ? policyFromRow(rows[0]) : null;
  };

  return {
    getPolicy: (id) => one('SELECT * FROM policies WHERE id = $1', [id]),
    getPolicyByName: (name) => one('SELECT * FROM policies WHERE name_key = $1', [nameKey(name)]),
    getDefaultPolicy: () => one('SELECT * FROM policies WHERE is_default', []),
    async listPolicies() {
      const { rows } = await pool.query<PolicyRow>('SELECT * FROM policies ORDER BY name_key');
      return rows.map(policyFromRow);
    },
    async putPolicy(policy) {
      const params = [
        policy.id,
        policy.name,
        nameKey(policy.name),
        policy.isDefault,
        // Stringified by us: pg would turn a top-level array into a PostgreSQL array literal.
        JSON.stringify(policy.settings),
        JSON.stringify(policy.options),
        policy.revision,
        policy.createdAt,
        policy.updatedAt,
      ];
      try {
        await withTransaction(pool, async (client) => {
          if (policy.isDefault) {
            // Serialise default switches: two concurrent ones would each clear the other's
            // uncommitted row unseen, then trip the single-default index.
            await client.query('LOCK TABLE policies IN SHARE ROW EXCLUSIVE MODE');
            await client.query('UPDATE policies SET is_default = false WHERE is_default AND id <> $1', [
              policy.id,
            ]);
          }
          await client.query(PUT_POLICY, params);
        });
      } catch (err) {
        if (isUniqueViolation(err)) {
          throw new StoreConflictError(`policy name already in use: ${policy.name}`, { cause: err });
        }
        throw err;
      }
    },
    async deletePolicy(id) {
      // Cascades: users.policy_id is set to NULL, domain assignments are removed.
      await pool.query('DELETE FROM policies WHERE id = $1', [id]);
    },
    async setDomainPolicy(domain, policyId) {
      const key = nameKey(domain);
      if (policyId === null) {
        await pool.query('DELETE FROM domain_policies WHERE domain = $1', [key]);
        return;
      }
      try {
        await pool.query(
          `INSERT INTO domain_policies (domain, policy_id) VALUES ($1, $2)
           ON CONFLICT (domain) DO UPDATE SET policy_id = excluded.policy_id`,
          [key, policyId],
        );
      } catch (err) {
        if (isForeignKeyViolation(err)) {
          throw new Error(`store: setDomainPolicy ${key}: policy ${policyId} does not exist`, { cause: err });
        }
        throw err;
      }
    },
    async getDomainPolicy(domain) {
      const { rows } = await pool.query<{ policy_id: string }>(
        'SELECT policy_id FROM domain_policies WHERE domain = $1',
        [nameKey(domain)],
      );
      return rows[0]?.policy_id ?? null;
    },
    async listDomainPolicies() {
      const { rows } = await pool.query<{ domain: string; policy_id: string }>(
        'SELECT domain, policy_id FROM domain_policies ORDER BY domain',
      );
      return rows.map((r) => ({ domain: r.domain, policyId: r.policy_id }));
    },
  };
}
