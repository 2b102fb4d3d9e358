// PostgreSQL MailStore (src/store/mail-store.ts). Message writes lock their folder row (FOR UPDATE)
// so ids and change counters are handed out one transaction at a time; hierarchy changes also take
// a per-user advisory lock, so two concurrent moves cannot build a cycle. Listings are one
// statement, so the counter and the entries come from one snapshot. Content is written one
// autocommitted chunk row at a time while the source streams in: no connection is held meanwhile.
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { MailStore, NewMailFolder } from '../mail-store.js';
import { StoreConflictError } from '../types.js';
import { MAIL_CHUNK_SIZE } from '../mail-store.js';
import type { EntryRow, FolderRow, MessageRow } from '../sql/mail.js';
import {
  chunkReader,
  entryFromRow,
  folderFromRow,
  mailSearchText,
  messageFromRow,
  searchTerms,
  searchWindow,
  setFlags,
  toNumber,
  validIds,
  writeChunks,
} from '../sql/mail.js';
import { nameKey, toDate } from '../sql/values.js';
import type { Pool } from './db.js';
import { isForeignKeyViolation, isUniqueViolation, withTransaction } from './db.js';

/** Bytes per fetch when reading content (a divisor of MAIL_CHUNK_SIZE). */
const READ_SLICE = 64 * 1024;

/** First key of the per-user advisory lock on the folder hierarchy ('SYWM' in ASCII). */
const FOLDER_LOCK_CLASS = 0x5359574d;

const FOLDER_COLUMNS = 'id, user_id, parent_id, name, role, change_counter';
const ENTRY_COLUMNS = 'm.uid, m.received_at, m.flag_read, m.flag_flagged, m.flag_answered, m.flag_forwarded';
const MESSAGE_COLUMNS = `m.folder_id, m.user_id, ${ENTRY_COLUMNS}, m.size, m.summary`;
/** The folder ($1) and its subfolders. */
const SUBTREE = `WITH RECURSIVE subtree(id) AS (
    SELECT $1::text COLLATE "C" UNION SELECT f.id FROM mail_folders AS f JOIN subtree ON f.parent_id = subtree.id)`;
const INSERT_FOLDER = `INSERT INTO mail_folders (id, user_id, parent_id, name, name_key, role, created_at)
  VALUES ($1, $2, $3, $4, $5, $6, now())`;

function folderValues(f: NewMailFolder): unknown[] {
  return [f.id, f.userId, f.parentId, f.name, nameKey(f.name), f.role];
}

async function lockHierarchy(client: pg.PoolClient, userId: string): Promise<void> {
  await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [FOLDER_LOCK_CLASS, userId]);
}

/** The user's folder, locked until the transaction ends; null if missing. */
async function lockFolder(
  client: pg.PoolClient,
  userId: string,
  folderId: string,
): Promise<FolderRow | null> {
  const { rows } = await client.query<FolderRow>(
    `SELECT ${FOLDER_COLUMNS} FROM mail_folders WHERE id = $1 AND user_id = $2 FOR UPDATE`,
    [folderId, userId],
  );
  return rows[0] ?? null;
}

async function checkParent(
  client: pg.PoolClient,
  userId: string,
  parentId: string | null,
  what: string,
): Promise<void> {
  if (parentId === null) return;
  const { rowCount } = await client.query('SELECT 1 FROM mail_folders WHERE id = $1 AND user_id = $2', [
    parentId,
    userId,
  ]);
  if (rowCount === 0) throw new Error(`store: ${what}: parent folder ${parentId} does not exist`);
}

function folderError(err: unknown, name: string, userId: string): unknown {
  if (isUniqueViolation(err)) {
    return new StoreConflictError(`a folder named "${name}" (or with that role) already exists there`, {
      cause: err,
    });
  }
  if (isForeignKeyViolation(err))
    return new Error(`store: mail folder: user ${userId} does not exist`, { cause: err });
  return err;
}

export function postgresMailStore(pool: Pool): MailStore {
  const getFolder = async (userId: string, folderId: string): Promise<FolderRow | null> => {
    const { rows } = await pool.query<FolderRow>(
      `SELECT ${FOLDER_COLUMNS} FROM mail_folders WHERE id = $1 AND user_id = $2`,
      [folderId, userId],
    );
    return rows[0] ?? null;
  };
  const bump = (client: pg.PoolClient, folderId: string): Promise<unknown> =>
    client.query('UPDATE mail_folders SET change_counter = change_counter + 1 WHERE id = $1', [folderId]);

  return {
    async listMailFolders(userId) {
      const { rows } = await pool.query<FolderRow>(
        `SELECT ${FOLDER_COLUMNS} FROM mail_folders WHERE user_id = $1 ORDER BY name_key, id`,
        [userId],
      );
      return rows.map(folderFromRow);
    },
    async getMailFolder(userId, folderId) {
      const row = await getFolder(userId, folderId);
      return row ? folderFromRow(row) : null;
    },
    async createMailFolder(folder) {
      try {
        await withTransaction(pool, async (client) => {
          await lockHierarchy(client, folder.userId);
          await checkParent(client, folder.userId, folder.parentId, 'createMailFolder');
          await client.query(INSERT_FOLDER, folderValues(folder));
        });
      } catch (err) {
        throw folderError(err, folder.name, folder.userId);
      }
      return { ...folder, changeCounter: 0 };
    },
    async ensureMailFolders(folders) {
      const userId = folders[0]?.userId;
      if (userId === undefined) return;
      try {
        await withTransaction(pool, async (client) => {
          await lockHierarchy(client, userId);
          for (const f of folders) {
            if (f.userId !== userId) throw new Error('store: ensureMailFolders: folders of several users');
            await checkParent(client, userId, f.parentId, 'ensureMailFolders');
            // No conflict target: a clash on the name or on the role index both mean "already there".
            await client.query(`${INSERT_FOLDER} ON CONFLICT DO NOTHING`, folderValues(f));
          }
        });
      } catch (err) {
        throw folderError(err, folders[0]?.name ?? '', userId);
      }
    },
    async updateMailFolder(userId, folderId, change) {
      try {
        return await withTransaction(pool, async (client) => {
          await lockHierarchy(client, userId);
          const row = await lockFolder(client, userId, folderId);
          if (!row) return null;
          await checkParent(client, userId, change.parentId, 'updateMailFolder');
          if (change.parentId !== null) {
            const { rowCount } = await client.query(`${SUBTREE} SELECT 1 FROM subtree WHERE id = $2`, [
              folderId,
              change.parentId,
            ]);
            if (rowCount !== 0) {
              throw new Error(`store: updateMailFolder: cannot move folder ${folderId} under itself`);
            }
          }
          await client.query(
            'UPDATE mail_folders SET parent_id = $2, name = $3, name_key = $4 WHERE id = $1',
            [folderId, change.parentId, change.name, nameKey(change.name)],
          );
          return folderFromRow({ ...row, parent_id: change.parentId, name: change.name });
        });
      } catch (err) {
        throw folderError(err, change.name, userId);
      }
    },
    async deleteMailFolder(userId, folderId) {
      return withTransaction(pool, async (client) => {
        await lockHierarchy(client, userId);
        if (!(await lockFolder(client, userId, folderId))) return false;
        // Lock the subfolders too, so a message being added to one waits and then finds it gone.
        await client.query(
          `${SUBTREE} SELECT f.id FROM mail_folders AS f JOIN subtree USING (id) ORDER BY f.id FOR UPDATE OF f`,
          [folderId],
        );
        // Contents first (they cascade to their messages); the folder then cascades to subfolders.
        await client.query(
          `${SUBTREE} DELETE FROM mail_contents WHERE id IN
             (SELECT content_id FROM mail_messages WHERE folder_id IN (SELECT id FROM subtree))`,
          [folderId],
        );
        await client.query('DELETE FROM mail_folders WHERE id = $1', [folderId]);
        return true;
      });
    },

    async writeMailContent(userId, source, opts) {
      const id = randomUUID();
      try {
        await pool.query(
          'INSERT INTO mail_contents (id, user_id, size, created_at) VALUES ($1, $2, NULL, now())',
          [id, userId],
        );
      } catch (err) {
        if (isForeignKeyViolation(err)) {
          throw new Error(`store: writeMailContent: user ${userId} does not exist`, { cause: err });
        }
        throw err;
      }
      try {
        const size = await writeChunks(source, opts?.maxBytes, async (seq, data) => {
          await pool.query('INSERT INTO mail_chunks (content_id, seq, data) VALUES ($1, $2, $3)', [
            id,
            seq,
            data,
          ]);
        });
        await pool.query('UPDATE mail_contents SET size = $2 WHERE id = $1', [id, size]);
        return { id, size };
      } catch (err) {
        await pool.query('DELETE FROM mail_contents WHERE id = $1', [id]).catch(() => undefined);
        throw err;
      }
    },
    async deleteMailContent(userId, contentId) {
      await pool.query(
        `DELETE FROM mail_contents AS c WHERE c.id = $1 AND c.user_id = $2
           AND NOT EXISTS (SELECT 1 FROM mail_messages WHERE content_id = c.id)`,
        [contentId, userId],
      );
    },
    async pruneMailContent(olderThan) {
      const result = await pool.query(
        `DELETE FROM mail_contents AS c WHERE c.created_at < $1
           AND NOT EXISTS (SELECT 1 FROM mail_messages WHERE content_id = c.id)`,
        [olderThan],
      );
      return result.rowCount ?? 0;
    },

    async addMailMessage(m) {
      return withTransaction(pool, async (client) => {
        if (!(await lockFolder(client, m.userId, m.folderId))) return null;
        const { rows: content } = await client.query<{ size: string | null; used: boolean }>(
          `SELECT size, EXISTS (SELECT 1 FROM mail_messages WHERE content_id = c.id) AS used
           FROM mail_contents AS c WHERE c.id = $1 AND c.user_id = $2 FOR UPDATE`,
          [m.contentId, m.userId],
        );
        const c = content[0];
        if (!c || c.size === null || c.used) {
          throw new Error(`store: addMailMessage: content ${m.contentId} is missing, unfinished or in use`);
        }
        const { rows } = await client.query<MessageRow>(
          `WITH f AS (
             UPDATE mail_folders SET next_uid = next_uid + 1, change_counter = change_counter + 1
             WHERE id = $1 RETURNING next_uid - 1 AS uid)
           INSERT INTO mail_messages AS m (folder_id, uid, user_id, content_id, received_at, flag_read,
             flag_flagged, flag_answered, flag_forwarded, size, summary)
           SELECT $1, f.uid, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb FROM f
           RETURNING ${MESSAGE_COLUMNS}`,
          [
            m.folderId,
            m.userId,
            m.contentId,
            m.receivedAt,
            m.flags.read,
            m.flags.flagged,
            m.flags.answered,
            m.flags.forwarded,
            c.size,
            JSON.stringify(m.summary),
          ],
        );
        // A content carries one message, so its text is replaced only if a write was retried.
        await client.query(
          `INSERT INTO mail_search_texts (content_id, text) VALUES ($1, $2)
           ON CONFLICT (content_id) DO UPDATE SET text = excluded.text`,
          [m.contentId, mailSearchText(m.summary, m.bodyText)],
        );
        if (m.bodies) {
          await client.query(
            `INSERT INTO mail_bodies (content_id, text, html) VALUES ($1, $2, $3)
             ON CONFLICT (content_id) DO UPDATE SET text = excluded.text, html = excluded.html`,
            [m.contentId, m.bodies.text, m.bodies.html],
          );
        }
        return messageFromRow(rows[0] as MessageRow);
      });
    },
    async listMailMessages(userId, folderId, opts) {
      const since = opts?.since ?? null;
      // One statement, one snapshot: the counter matches the entries. An empty folder gives one
      // row with NULL message columns; a missing folder gives none.
      const { rows } = await pool.query<
        { change_counter: string } & { [K in keyof EntryRow]: EntryRow[K] | null }
      >(
        `SELECT f.change_counter, ${ENTRY_COLUMNS}
         FROM mail_folders AS f
         LEFT JOIN mail_messages AS m ON m.folder_id = f.id ${since === null ? '' : 'AND m.received_at >= $3'}
         WHERE f.id = $1 AND f.user_id = $2
         ORDER BY m.received_at DESC, m.uid DESC`,
        since === null ? [folderId, userId] : [folderId, userId, since],
      );
      const first = rows[0];
      if (!first) return null;
      return {
        changeCounter: toNumber(first.change_counter, 'mail_folders.change_counter'),
        entries: rows.filter((r): r is typeof r & EntryRow => r.uid !== null).map(entryFromRow),
      };
    },
    async getMailMessages(userId, folderId, ids) {
      if (!(await getFolder(userId, folderId))) return null;
      const wanted = validIds(ids);
      if (wanted.length === 0) return [];
      const { rows } = await pool.query<MessageRow>(
        `SELECT ${MESSAGE_COLUMNS} FROM mail_messages AS m WHERE m.folder_id = $1 AND m.uid = ANY($2::bigint[])
         ORDER BY m.uid`,
        [folderId, wanted],
      );
      return rows.map(messageFromRow);
    },
    async setMailFlags(userId, folderId, ids, flags) {
      const sets = setFlags(flags);
      const wanted = validIds(ids);
      return withTransaction(pool, async (client) => {
        if (!(await lockFolder(client, userId, folderId))) return null;
        if (sets.length === 0 || wanted.length === 0) return [];
        const assignments = sets.map(([column], i) => `${column} = $${i + 3}`).join(', ');
        const differs = sets.map(([column], i) => `${column} <> $${i + 3}`).join(' OR ');
        const { rows } = await client.query<{ uid: string }>(
          `UPDATE mail_messages SET ${assignments}
           WHERE folder_id = $1 AND uid = ANY($2::bigint[]) AND (${differs}) RETURNING uid`,
          [folderId, wanted, ...sets.map(([, value]) => value)],
        );
        if (rows.length > 0) await bump(client, folderId);
        return rows.map((r) => toNumber(r.uid, 'mail_messages.uid')).sort((a, b) => a - b);
      });
    },
    async deleteMailMessages(userId, folderId, ids) {
      const wanted = validIds(ids);
      return withTransaction(pool, async (client) => {
        if (!(await lockFolder(client, userId, folderId))) return null;
        if (wanted.length === 0) return [];
        // Deleting the content cascades to the message row and the chunks.
        const { rows } = await client.query<{ uid: string }>(
          `DELETE FROM mail_contents AS c USING mail_messages AS m
           WHERE m.folder_id = $1 AND m.uid = ANY($2::bigint[]) AND c.id = m.content_id RETURNING m.uid`,
          [folderId, wanted],
        );
        if (rows.length > 0) await bump(client, folderId);
        return rows.map((r) => toNumber(r.uid, 'mail_messages.uid')).sort((a, b) => a - b);
      });
    },
    async moveMailMessages(userId, fromFolderId, ids, toFolderId) {
      const wanted = validIds(ids);
      return withTransaction(pool, async (client) => {
        // Both folder rows, locked in id order so two opposite moves cannot deadlock.
        const { rows: folders } = await client.query<FolderRow & { next_uid: string }>(
          `SELECT ${FOLDER_COLUMNS}, next_uid FROM mail_folders WHERE id = ANY($1::text[]) AND user_id = $2
           ORDER BY id FOR UPDATE`,
          [[fromFolderId, toFolderId], userId],
        );
        const target = folders.find((f) => f.id === toFolderId);
        if (!target || !folders.some((f) => f.id === fromFolderId)) return null;
        const moved = new Map<number, number>();
        if (wanted.length === 0) return moved;
        if (fromFolderId === toFolderId) {
          const { rows } = await client.query<{ uid: string }>(
            'SELECT uid FROM mail_messages WHERE folder_id = $1 AND uid = ANY($2::bigint[]) ORDER BY uid',
            [fromFolderId, wanted],
          );
          for (const r of rows) moved.set(toNumber(r.uid, 'uid'), toNumber(r.uid, 'uid'));
          return moved;
        }
        const base = toNumber(target.next_uid, 'mail_folders.next_uid');
        const { rows } = await client.query<{ old_uid: string; new_uid: string }>(
          `WITH moving AS (
             SELECT uid, row_number() OVER (ORDER BY uid) - 1 AS n
             FROM mail_messages WHERE folder_id = $1 AND uid = ANY($2::bigint[]))
           UPDATE mail_messages AS m SET folder_id = $3, uid = $4::bigint + moving.n
           FROM moving WHERE m.folder_id = $1 AND m.uid = moving.uid
           RETURNING moving.uid AS old_uid, m.uid AS new_uid`,
          [fromFolderId, wanted, toFolderId, base],
        );
        if (rows.length === 0) return moved;
        await client.query(
          'UPDATE mail_folders SET next_uid = next_uid + $2, change_counter = change_counter + 1 WHERE id = $1',
          [toFolderId, rows.length],
        );
        await bump(client, fromFolderId);
        const pairs = rows.map((r) => [toNumber(r.old_uid, 'uid'), toNumber(r.new_uid, 'uid')] as const);
        for (const [from, to] of pairs.sort((a, b) => a[0] - b[0])) moved.set(from, to);
        return moved;
      });
    },
    async openMailContent(userId, folderId, id, range) {
      if (!Number.isSafeInteger(id)) return null;
      const { rows } = await pool.query<{ content_id: string; size: string }>(
        `SELECT m.content_id, m.size FROM mail_messages AS m JOIN mail_folders AS f ON f.id = m.folder_id
         WHERE m.folder_id = $1 AND m.uid = $2 AND f.user_id = $3`,
        [folderId, id, userId],
      );
      const ref = rows[0];
      if (!ref) return null;
      const size = toNumber(ref.size, 'mail_messages.size');
      // Read in READ_SLICE pieces of the chunk rows: bytea travels as hex text, and a 256 KiB chunk
      // in one row would be a 512 KiB string plus a growing receive buffer per fetch.
      const stream = chunkReader(
        size,
        async (piece) => {
          const start = piece * READ_SLICE;
          const { rows: chunk } = await pool.query<{ data: Buffer }>(
            `SELECT substring(data FROM $3 FOR $4) AS data FROM mail_chunks WHERE content_id = $1 AND seq = $2`,
            [ref.content_id, Math.floor(start / MAIL_CHUNK_SIZE), (start % MAIL_CHUNK_SIZE) + 1, READ_SLICE],
          );
          return chunk[0]?.data ?? null;
        },
        `message ${folderId}/${id}`,
        READ_SLICE,
        range,
      );
      return { size, stream };
    },
    async getMailBodies(userId, folderId, id) {
      if (!Number.isSafeInteger(id)) return null;
      const { rows } = await pool.query<{ text: string | null; html: string | null }>(
        `SELECT b.text, b.html FROM mail_messages AS m JOIN mail_folders AS f ON f.id = m.folder_id
           JOIN mail_bodies AS b ON b.content_id = m.content_id
         WHERE m.folder_id = $1 AND f.user_id = $2 AND m.uid = $3`,
        [folderId, userId, id],
      );
      const row = rows[0];
      return row ? { text: row.text, html: row.html } : null;
    },
    async putMailBodies(userId, folderId, id, bodies) {
      if (!Number.isSafeInteger(id)) return false;
      // One statement: a message deleted or moved meanwhile matches no row, so nothing is written
      // (and no foreign key fails on a content deleted since).
      const result = await pool.query(
        `INSERT INTO mail_bodies (content_id, text, html)
         SELECT m.content_id, $4, $5 FROM mail_messages AS m JOIN mail_folders AS f ON f.id = m.folder_id
         WHERE m.folder_id = $1 AND f.user_id = $2 AND m.uid = $3
         ON CONFLICT (content_id) DO UPDATE SET text = excluded.text, html = excluded.html`,
        [folderId, userId, id, bodies.text, bodies.html],
      );
      return (result.rowCount ?? 0) > 0;
    },

    async searchMailMessages(userId, search) {
      const folderIds = [...new Set(search.folderIds)];
      const { offset, limit } = searchWindow(search);
      if (folderIds.length === 0) return { total: 0, hits: [] };
      // Folders by index (folder_id, received_at, uid); strpos() on at most one bounded text per
      // message, the terms folded in JS as the stored text was (mailSearchKey).
      const params: unknown[] = [userId, folderIds];
      const where = ['m.user_id = $1', 'm.folder_id = ANY($2::text[])'];
      if (search.receivedAfter) {
        params.push(search.receivedAfter);
        where.push(`m.received_at > $${params.length}`);
      }
      if (search.receivedBefore) {
        params.push(search.receivedBefore);
        where.push(`m.received_at < $${params.length}`);
      }
      for (const term of searchTerms(search)) {
        params.push(term);
        where.push(`strpos(coalesce(s.text, ''), $${params.length}) > 0`);
      }
      const from = `FROM mail_messages AS m LEFT JOIN mail_search_texts AS s ON s.content_id = m.content_id
        WHERE ${where.join(' AND ')}`;
      const rows =
        limit === 0
          ? []
          : (
              await pool.query<{ folder_id: string; uid: string; received_at: Date; total: string }>(
                `SELECT m.folder_id, m.uid, m.received_at, count(*) OVER () AS total ${from}
                 ORDER BY m.received_at DESC, m.folder_id, m.uid DESC
                 LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
                [...params, limit, offset],
              )
            ).rows;
      // The window count comes with the rows; a page past the end has none to carry it.
      const first = rows[0];
      const total = first
        ? toNumber(first.total, 'count')
        : toNumber(
            (await pool.query<{ n: string }>(`SELECT count(*) AS n ${from}`, params)).rows[0]?.n ?? 0,
            'count',
          );
      return {
        total,
        hits: rows.map((r) => ({
          folderId: r.folder_id,
          id: toNumber(r.uid, 'mail_messages.uid'),
          receivedAt: toDate(r.received_at, 'mail_messages.received_at'),
        })),
      };
    },

    async findUserIdByEmail(email) {
      const { rows } = await pool.query<{ id: string }>(
        `SELECT id FROM users WHERE lower(email COLLATE "C") = lower($1 COLLATE "C")
         ORDER BY username_key, id LIMIT 1`,
        [email],
      );
      return rows[0]?.id ?? null;
    },
  };
}
