-- Search text of each message (MailStore.searchMailMessages): the folded subject, names, addresses
-- and leading body text that addMailMessage writes (src/store/sql/mail.ts mailSearchText). Keyed by
-- the content, which a move keeps, and in a table of its own so listing rows stay small (SQLite
-- keeps up to ~4 KB of a row in the b-tree page: a text column would slow every Sync listing).
CREATE TABLE mail_search_texts (
  content_id  TEXT PRIMARY KEY NOT NULL REFERENCES mail_contents (id) ON DELETE CASCADE,
  text        TEXT NOT NULL
);

-- Messages stored before this version: subject, names and addresses only (the body is not parsed
-- here), folded by lower(), which in SQLite folds ASCII letters only.
INSERT INTO mail_search_texts (content_id, text)
SELECT m.content_id, lower(
  coalesce(json_extract(m.summary, '$.subject'), '')
  || char(10) || coalesce((SELECT group_concat(coalesce(json_extract(a.value, '$.name'), '') || char(10)
       || coalesce(json_extract(a.value, '$.address'), ''), char(10)) FROM json_each(m.summary, '$.from') AS a), '')
  || char(10) || coalesce((SELECT group_concat(coalesce(json_extract(a.value, '$.name'), '') || char(10)
       || coalesce(json_extract(a.value, '$.address'), ''), char(10)) FROM json_each(m.summary, '$.to') AS a), '')
  || char(10) || coalesce((SELECT group_concat(coalesce(json_extract(a.value, '$.name'), '') || char(10)
       || coalesce(json_extract(a.value, '$.address'), ''), char(10)) FROM json_each(m.summary, '$.cc') AS a), '')
)
FROM mail_messages AS m;
