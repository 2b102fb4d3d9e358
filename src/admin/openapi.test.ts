import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ERRORS } from './errors.js';
import { createHarness } from './test-harness.js';
import type { Harness } from './test-harness.js';

type Doc = {
  openapi: string;
  servers: Array<{ url: string }>;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
};
type Operation = {
  operationId: string;
  security?: unknown[];
  parameters: Array<{ name: string; in: string; required: boolean; schema: Record<string, unknown> }>;
  requestBody?: { content: Record<string, { schema: Record<string, unknown> }> };
  responses: Record<
    string,
    { description: string; content?: Record<string, { schema: Record<string, unknown> }> }
  >;
};

describe('GET /api/v1/openapi.json', () => {
  let h: Harness;
  let doc: Doc;
  before(async () => {
    h = await createHarness();
    const res = await h.app.inject({ method: 'GET', url: '/api/v1/openapi.json' });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /application\/json/);
    doc = res.json() as Doc;
  });
  after(() => h.close());

  it('is OpenAPI 3.1 served without a token, with bearer security', () => {
    assert.equal(doc.openapi, '3.1.0');
    assert.deepEqual(doc.servers, [{ url: '/api/v1' }]);
    assert.ok(doc.components.securitySchemes.bearerAuth);
    assert.ok(doc.components.schemas.Error);
  });

  it('describes every route the plugin registered, and nothing else', () => {
    const registered = h.routes
      .filter((r) => r.url.startsWith('/api/v1/') && r.method !== 'HEAD')
      .map(
        (r) =>
          `${r.method.toLowerCase()} ${r.url.slice('/api/v1'.length).replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`,
      )
      .sort();
    const described = Object.entries(doc.paths)
      .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`))
      .sort();
    assert.ok(registered.length >= 35, `${registered.length} routes`);
    assert.deepEqual(described, registered);
  });

  it('gives each operation an id, its path parameters, responses and error codes from the catalogue', () => {
    const ids = new Set<string>();
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const where = `${method} ${path}`;
        assert.ok(!ids.has(op.operationId), `${where}: unique operationId`);
        ids.add(op.operationId);
        const placeholders = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
        assert.deepEqual(
          op.parameters.filter((p) => p.in === 'path').map((p) => p.name),
          placeholders,
          `${where}: path parameters`,
        );
        assert.ok(
          Object.keys(op.responses).some((s) => s.startsWith('2')),
          `${where}: a success response`,
        );
        assert.ok(op.responses['500'], `${where}: 500`);
        for (const [status, r] of Object.entries(op.responses)) {
          if (status.startsWith('2')) continue;
          for (const code of r.description.match(/EAS_ERR_[A-Z_]+/g) ?? []) {
            assert.equal(
              String(ERRORS[code as keyof typeof ERRORS]?.statusCode),
              status,
              `${where}: ${code}`,
            );
          }
        }
        const isPublic = path === '/auth/token' || path === '/openapi.json';
        assert.equal(Array.isArray(op.security) && op.security.length === 0, isPublic, `${where}: security`);
        if (!isPublic) assert.ok(op.responses['401'], `${where}: 401`);
      }
    }
  });

  it('documents bodies and queries from the zod schemas', () => {
    const create = doc.paths['/users']?.post;
    const schema = create?.requestBody?.content['application/json']?.schema as {
      required: string[];
      properties: Record<string, { format?: string }>;
      additionalProperties: boolean;
    };
    assert.deepEqual(schema.required.sort(), ['email', 'password', 'username']);
    assert.equal(schema.properties.email?.format, 'email');
    assert.equal(schema.additionalProperties, false);
    const devices = doc.paths['/devices']?.get;
    assert.deepEqual(
      devices?.parameters.map((p) => p.name),
      ['user', 'state', 'type', 'family', 'version'],
    );
    assert.ok(devices?.parameters.every((p) => !p.required));
    // Policy values are described by the policy module's schema, not as an opaque object.
    const policyBody = doc.paths['/policies']?.post?.requestBody?.content['application/json']?.schema as {
      properties: { settings: { properties: Record<string, unknown> } };
    };
    assert.ok(policyBody.properties.settings.properties.DevicePasswordEnabled);
    assert.ok(policyBody.properties.settings.properties.allowNonProvisionableDevices);
    const rule = doc.paths['/rules']?.post;
    assert.deepEqual(
      Object.keys(rule?.responses ?? {})
        .filter((s) => s.startsWith('2'))
        .sort(),
      ['200', '201'],
    );
    assert.equal(rule?.parameters[0]?.name, 'dryRun');
  });
});
