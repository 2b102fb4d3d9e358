// SQLite MailStore (src/store/mail-store.ts). Statements are synchronous: each method's
// read-check-write runs in one IMMEDIATE transaction, so it cannot interleave with another request.
// Content is written one autocommitted chunk row at a time while the source streams in.
import { randomUUID } from 'node:crypto';
import type { MailStore, NewMailFolder, StoredMessage } from '../mail-store.js';
import { MAIL_CHUNK_SIZE } from '../mail-store.js';
import { StoreConflictError } from '../types.js';
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
import { isoString, nameKey, toDate } from '../sql/values.js';
import type { Db } from './db.js';
import { bool, isForeignKeyViolation, isUniqueViolation, statementCache, writeTransaction } from './db.js';

const FOLDER_COLUMNS = 'id, user_id, parent_id, name, role, change_counter';
const ENTRY_COLUMNS = 'uid, received_at, flag_read, flag_flagged, flag_answered, flag_forwarded';
const MESSAGE_COLUMNS = `folder_id, user_id, ${ENTRY_COLUMNS}, size, summary`;
/** The folder and its subfolders, by id (bound: the folder id). */
const SUBTREE = `WITH RECURSIVE subtree(id) AS (
    SELECT ? UNION SELECT f.id FROM mail_folders AS f JOIN subtree ON f.parent_id = subtree.id)`;

export function sqliteMailStore(db: Db): MailStore {
  const stmt = statementCache(db);
  const getFolder = db.prepare<[string, string], FolderRow>(
    `SELECT ${FOLDER_COLUMNS} FROM mail_folders WHERE id = ? AND user_id = ?`,
  );
  const listFolders = db.prepare<[string], FolderRow>(
    `SELECT ${FOLDER_COLUMNS} FROM mail_folders WHERE user_id = ? ORDER BY name_key, id`,
  );
  const insertFolder = db.prepare(
    `INSERT INTO mail_folders (id, user_id, parent_id, name, name_key, role, created_at)
     VALUES (@id, @userId, @parentId, @name, @nameKey, @role, @createdAt)`,
  );
  // No conflict target: a clash on the name or on the role index both mean "already there".
  const ensureFolder = db.prepare(
    `INSERT INTO mail_folders (id, user_id, parent_id, name, name_key, role, created_at)
     VALUES (@id, @userId, @parentId, @name, @nameKey, @role, @createdAt) ON CONFLICT DO NOTHING`,
  );
  const updateFolder = db.prepare<[string | null, string, string, string]>(
    'UPDATE mail_folders SET parent_id = ?, name = ?, name_key = ? WHERE id = ?',
  );
  const inSubtree = db.prepare<[string, string], { id: string }>(
    `${SUBTREE} SELECT id FROM subtree WHERE id = ?`,
  );
  const deleteSubtreeContents = db.prepare<[string]>(
    `${SUBTREE} DELETE FROM mail_contents WHERE id IN
       (SELECT content_id FROM mail_messages WHERE folder_id IN (SELECT id FROM subtree))`,
  );
  const deleteFolder = db.prepare<[string]>('DELETE FROM mail_folders WHERE id = ?');
  const bump = db.prepare<[string]>(
    'UPDATE mail_folders SET change_counter = change_counter + 1 WHERE id = ?',
  );
  const takeUid = db.prepare<[string], { uid: number }>(
    'UPDATE mail_folders SET next_uid = next_uid + 1 WHERE id = ? RETURNING next_uid - 1 AS uid',
  );

  const insertContent = db.prepare<[string, string, string]>(
    'INSERT INTO mail_contents (id, user_id, size, created_at) VALUES (?, ?, NULL, ?)',
  );
  const finishContent = db.prepare<[number, string]>('UPDATE mail_contents SET size = ? WHERE id = ?');
  const insertChunk = db.prepare<[string, number, Buffer]>(
    'INSERT INTO mail_chunks (content_id, seq, data) VALUES (?, ?, ?)',
  );
  const getChunk = db.prepare<[string, number], { data: Buffer }>(
    'SELECT data FROM mail_chunks WHERE content_id = ? AND seq = ?',
  );
  const deleteContent = db.prepare<[string]>('DELETE FROM mail_contents WHERE id = ?');
  const deleteUnusedContent = db.prepare<[string, string]>(
    `DELETE FROM mail_contents WHERE id = ? AND user_id = ?
       AND NOT EXISTS (SELECT 1 FROM mail_messages WHERE content_id = mail_contents.id)`,
  );
  const pruneContent = db.prepare<[string]>(
    `DELETE FROM mail_contents WHERE created_at < ?
       AND NOT EXISTS (SELECT 1 FROM mail_messages WHERE content_id = mail_contents.id)`,
  );
  const getContent = db.prepare<[string, string], { size: number | null; used: number }>(
    `SELECT size, EXISTS (SELECT 1 FROM mail_messages WHERE content_id = mail_contents.id) AS used
     FROM mail_contents WHERE id = ? AND user_id = ?`,
  );
  const insertMessage = db.prepare(
    `INSERT INTO mail_messages (folder_id, uid, user_id, content_id, received_at, flag_read, flag_flagged,
       flag_answered, flag_forwarded, size, summary)
     VALUES (@folderId, @uid, @userId, @contentId, @receivedAt, @read, @flagged, @answered, @forwarded,
       @size, @summary)`,
  );
  // A content carries one message, so its text is replaced only if a write was retried.
  const putSearchText = db.prepare<[string, string]>(
    `INSERT INTO mail_search_texts (content_id, text) VALUES (?, ?)
     ON CONFLICT (content_id) DO UPDATE SET text = excluded.text`,
  );
  const putBodies = db.prepare<[string, string | null, string | null]>(
    `INSERT INTO mail_bodies (content_id, text, html) VALUES (?, ?, ?)
     ON CONFLICT (content_id) DO UPDATE SET text = excluded.text, html = excluded.html`,
  );
  const getBodies = db.prepare<[string, string, number], { text: string | null; html: string | null }>(
    `SELECT b.text, b.html FROM mail_messages AS m JOIN mail_folders AS f ON f.id = m.folder_id
       JOIN mail_bodies AS b ON b.content_id = m.content_id
     WHERE m.folder_id = ? AND f.user_id = ? AND m.uid = ?`,
  );
  const getMessage = db.prepare<[string, number], MessageRow>(
    `SELECT ${MESSAGE_COLUMNS} FROM mail_messages WHERE folder_id = ? AND uid = ?`,
  );
  const listAll = db.prepare<[string], EntryRow>(
    `SELECT ${ENTRY_COLUMNS} FROM mail_messages WHERE folder_id = ? ORDER BY received_at DESC, uid DESC`,
  );
  const listSince = db.prepare<[string, string], EntryRow>(
    `SELECT ${ENTRY_COLUMNS} FROM mail_messages WHERE folder_id = ? AND received_at >= ?
     ORDER BY received_at DESC, uid DESC`,
  );
  const getContentRef = db.prepare<[string, number], { content_id: string; size: number }>(
    'SELECT content_id, size FROM mail_messages WHERE folder_id = ? AND uid = ?',
  );
  const moveMessage = db.prepare<[string, number, string, number]>(
    'UPDATE mail_messages SET folder_id = ?, uid = ? WHERE folder_id = ? AND uid = ?',
  );
  const findUser = db.prepare<[string], { id: string }>(
    'SELECT id FROM users WHERE lower(email) = lower(?) ORDER BY username_key, id LIMIT 1',
  );

  const folderParams = (f: NewMailFolder): Record<string, unknown> => ({
    id: f.id,
    userId: f.userId,
    parentId: f.parentId,
    name: f.name,
    nameKey: nameKey(f.name),
    role: f.role,
    createdAt: isoString(new Date()),
  });

  /** Throws unless `parentId` is null or one of the user's folders. */
  const checkParent = (userId: string, parentId: string | null, what: string): void => {
    if (parentId !== null && !getFolder.get(parentId, userId)) {
      throw new Error(`store: ${what}: parent folder ${parentId} does not exist`);
    }
  };

  const nameConflict = (err: unknown, name: string, userId: string): unknown => {
    if (isUniqueViolation(err)) {
      return new StoreConflictError(`a folder named "${name}" (or with that role) already exists there`, {
        cause: err,
      });
    }
    if (isForeignKeyViolation(err))
      return new Error(`store: mail folder: user ${userId} does not exist`, { cause: err });
    return err;
  };

  return {
    async listMailFolders(userId) {
      return listFolders.all(userId).map(folderFromRow);
    },
    async getMailFolder(userId, folderId) {
      const row = getFolder.get(folderId, userId);
      return row ? folderFromRow(row) : null;
    },
    async createMailFolder(folder) {
      try {
        writeTransaction(db, () => {
          checkParent(folder.userId, folder.parentId, 'createMailFolder');
          insertFolder.run(folderParams(folder));
        });
      } catch (err) {
        throw nameConflict(err, folder.name, folder.userId);
      }
      return { ...folder, changeCounter: 0 };
    },
    async ensureMailFolders(folders) {
      try {
        writeTransaction(db, () => {
          for (const f of folders) {
            checkParent(f.userId, f.parentId, 'ensureMailFolders');
            ensureFolder.run(folderParams(f));
          }
        });
      } catch (err) {
        throw nameConflict(err, folders[0]?.name ?? '', folders[0]?.userId ?? '');
      }
    },
    async updateMailFolder(userId, folderId, change) {
      try {
        return writeTransaction(db, () => {
          const row = getFolder.get(folderId, userId);
          if (!row) return null;
          checkParent(userId, change.parentId, 'updateMailFolder');
          if (change.parentId !== null && inSubtree.get(folderId, change.parentId)) {
            throw new Error(`store: updateMailFolder: cannot move folder ${folderId} under itself`);
          }
          updateFolder.run(change.parentId, change.name, nameKey(change.name), folderId);
          return folderFromRow({ ...row, parent_id: change.parentId, name: change.name });
        });
      } catch (err) {
        throw nameConflict(err, change.name, userId);
      }
    },
    async deleteMailFolder(userId, folderId) {
      return writeTransaction(db, () => {
        if (!getFolder.get(folderId, userId)) return false;
        // Contents first (they cascade to their messages); the folder then cascades to subfolders.
        deleteSubtreeContents.run(folderId);
        deleteFolder.run(folderId);
        return true;
      });
    },

    async writeMailContent(userId, source, opts) {
      const id = randomUUID();
      try {
        insertContent.run(id, userId, isoString(new Date()));
      } catch (err) {
        if (isForeignKeyViolation(err)) {
          throw new Error(`store: writeMailContent: user ${userId} does not exist`, { cause: err });
        }
        throw err;
      }
      try {
        const size = await writeChunks(source, opts?.maxBytes, (seq, data) => {
          insertChunk.run(id, seq, data);
        });
        finishContent.run(size, id);
        return { id, size };
      } catch (err) {
        deleteContent.run(id);
        throw err;
      }
    },
    async deleteMailContent(userId, contentId) {
      deleteUnusedContent.run(contentId, userId);
    },
    async pruneMailContent(olderThan) {
      return pruneContent.run(isoString(olderThan)).changes;
    },

    async addMailMessage(m) {
      return writeTransaction(db, () => {
        const folder = getFolder.get(m.folderId, m.userId);
        if (!folder) return null;
        const content = getContent.get(m.contentId, m.userId);
        if (!content || content.size === null || content.used === 1) {
          throw new Error(`store: addMailMessage: content ${m.contentId} is missing, unfinished or in use`);
        }
        const { uid } = takeUid.get(m.folderId) as { uid: number };
        insertMessage.run({
          folderId: m.folderId,
          uid,
          userId: m.userId,
          contentId: m.contentId,
          receivedAt: isoString(m.receivedAt),
          read: bool(m.flags.read),
          flagged: bool(m.flags.flagged),
          answered: bool(m.flags.answered),
          forwarded: bool(m.flags.forwarded),
          size: content.size,
          summary: JSON.stringify(m.summary),
        });
        putSearchText.run(m.contentId, mailSearchText(m.summary, m.bodyText));
        if (m.bodies) putBodies.run(m.contentId, m.bodies.text, m.bodies.html);
        bump.run(m.folderId);
        return messageFromRow(getMessage.get(m.folderId, uid) as MessageRow);
      });
    },
    async listMailMessages(userId, folderId, opts) {
      // One transaction: the counter and the entries come from the same snapshot.
      return db.transaction(() => {
        const folder = getFolder.get(folderId, userId);
        if (!folder) return null;
        const since = opts?.since ?? null;
        const rows = since === null ? listAll.all(folderId) : listSince.all(folderId, isoString(since));
        return {
          changeCounter: toNumber(folder.change_counter, 'mail_folders.change_counter'),
          entries: rows.map(entryFromRow),
        };
      })();
    },
    async getMailMessages(userId, folderId, ids) {
      if (!getFolder.get(folderId, userId)) return null;
      const out: StoredMessage[] = [];
      for (const id of validIds(ids)) {
        const row = getMessage.get(folderId, id);
        if (row) out.push(messageFromRow(row));
      }
      return out;
    },
    async setMailFlags(userId, folderId, ids, flags) {
      const sets = setFlags(flags);
      return writeTransaction(db, () => {
        if (!getFolder.get(folderId, userId)) return null;
        if (sets.length === 0) return [];
        const assignments = sets.map(([column]) => `${column} = ?`).join(', ');
        const differs = sets.map(([column]) => `${column} <> ?`).join(' OR ');
        const values = sets.map(([, value]) => bool(value));
        const update = stmt(
          `UPDATE mail_messages SET ${assignments} WHERE folder_id = ? AND uid = ? AND (${differs})`,
        );
        const changed: number[] = [];
        for (const id of validIds(ids)) {
          if (update.run(...values, folderId, id, ...values).changes === 1) changed.push(id);
        }
        if (changed.length > 0) bump.run(folderId);
        return changed;
      });
    },
    async deleteMailMessages(userId, folderId, ids) {
      return writeTransaction(db, () => {
        if (!getFolder.get(folderId, userId)) return null;
        const deleted: number[] = [];
        for (const id of validIds(ids)) {
          const ref = getContentRef.get(folderId, id);
          if (!ref) continue;
          // Cascades to the message row and the chunks.
          deleteContent.run(ref.content_id);
          deleted.push(id);
        }
        if (deleted.length > 0) bump.run(folderId);
        return deleted;
      });
    },
    async moveMailMessages(userId, fromFolderId, ids, toFolderId) {
      return writeTransaction(db, () => {
        if (!getFolder.get(fromFolderId, userId) || !getFolder.get(toFolderId, userId)) return null;
        const moved = new Map<number, number>();
        for (const id of validIds(ids)) {
          if (!getContentRef.get(fromFolderId, id)) continue;
          if (fromFolderId === toFolderId) {
            moved.set(id, id);
            continue;
          }
          const { uid } = takeUid.get(toFolderId) as { uid: number };
          moveMessage.run(toFolderId, uid, fromFolderId, id);
          moved.set(id, uid);
        }
        if (moved.size > 0 && fromFolderId !== toFolderId) {
          bump.run(fromFolderId);
          bump.run(toFolderId);
        }
        return moved;
      });
    },
    async openMailContent(userId, folderId, id, range) {
      if (!Number.isSafeInteger(id) || !getFolder.get(folderId, userId)) return null;
      const ref = getContentRef.get(folderId, id);
      if (!ref) return null;
      const stream = chunkReader(
        ref.size,
        (seq) => getChunk.get(ref.content_id, seq)?.data ?? null,
        `message ${folderId}/${id}`,
        MAIL_CHUNK_SIZE,
        range,
      );
      return { size: ref.size, stream };
    },
    async getMailBodies(userId, folderId, id) {
      if (!Number.isSafeInteger(id)) return null;
      const row = getBodies.get(folderId, userId, id);
      return row ? { text: row.text, html: row.html } : null;
    },
    async putMailBodies(userId, folderId, id, bodies) {
      if (!Number.isSafeInteger(id)) return false;
      return writeTransaction(db, () => {
        if (!getFolder.get(folderId, userId)) return false;
        const ref = getContentRef.get(folderId, id);
        if (!ref) return false;
        putBodies.run(ref.content_id, bodies.text, bodies.html);
        return true;
      });
    },

    async searchMailMessages(userId, search) {
      const folderIds = [...new Set(search.folderIds)];
      const { offset, limit } = searchWindow(search);
      if (folderIds.length === 0) return { total: 0, hits: [] };
      // Folders by index (folder_id, received_at, uid); instr() on at most one bounded text per
      // message, the terms folded in JS as the stored text was (mailSearchKey).
      const where = [`m.user_id = ?`, `m.folder_id IN (${folderIds.map(() => '?').join(', ')})`];
      const params: unknown[] = [userId, ...folderIds];
      if (search.receivedAfter) {
        where.push('m.received_at > ?');
        params.push(isoString(search.receivedAfter));
      }
      if (search.receivedBefore) {
        where.push('m.received_at < ?');
        params.push(isoString(search.receivedBefore));
      }
      for (const term of searchTerms(search)) {
        where.push("instr(coalesce(s.text, ''), ?) > 0");
        params.push(term);
      }
      const from = `FROM mail_messages AS m LEFT JOIN mail_search_texts AS s ON s.content_id = m.content_id
        WHERE ${where.join(' AND ')}`;
      return db.transaction(() => {
        const rows =
          limit === 0
            ? []
            : (stmt(
                `SELECT m.folder_id, m.uid, m.received_at, count(*) OVER () AS total ${from}
                 ORDER BY m.received_at DESC, m.folder_id, m.uid DESC LIMIT ? OFFSET ?`,
              ).all(...params, limit, offset) as Array<{
                folder_id: string;
                uid: number;
                received_at: string;
                total: number;
              }>);
        // The window count comes with the rows; a page past the end has none to carry it.
        const total =
          rows[0]?.total ?? (stmt(`SELECT count(*) AS n ${from}`).get(...params) as { n: number }).n;
        return {
          total,
          hits: rows.map((r) => ({
            folderId: r.folder_id,
            id: r.uid,
            receivedAt: toDate(r.received_at, 'mail_messages.received_at'),
          })),
        };
      })();
    },

    async findUserIdByEmail(email) {
      return findUser.get(email)?.id ?? null;
    },
  };
}
