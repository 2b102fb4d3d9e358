// The in-memory mail backend against the shared mail conformance suite.
import { randomUUID } from 'node:crypto';
import { createMemoryMailBackend } from '../../src/mail/memory/index.js';
import { describeMailConformance } from './conformance/index.js';

describeMailConformance('memory', async () => {
  const backend = createMemoryMailBackend();
  const users = ['ana', 'ben'].map((name) => {
    const user = { id: randomUUID(), username: name, email: `${name}@memory.test`, displayName: name };
    // Known to the backend from the start, as users of the server are.
    backend.mailbox(user);
    return { user, credentials: { username: name, password: 'unused' } };
  });
  return {
    backend,
    users,
    deliver: async (to, mime) => {
      await backend.deliver(to, mime);
    },
    cleanup: () => backend.close(),
  };
});
