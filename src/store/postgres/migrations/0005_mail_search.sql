-- Search text of each message (MailStore.searchMailMessages): the folded subject, names, addresses
-- and leading body text that addMailMessage writes (src/store/sql/mail.ts mailSearchText). Keyed by
-- the content, which a move keeps; a table of its own, as in SQLite, so both backends match.
CREATE TABLE mail_search_texts (
  content_id  text COLLATE "C" PRIMARY KEY REFERENCES mail_contents (id) ON DELETE CASCADE,
  text        text NOT NULL
);

-- Messages stored before this version: subject, names and addresses only (the body is not parsed
-- here), folded by lower().
INSERT INTO mail_search_texts (content_id, text)
SELECT m.content_id, lower(concat_ws(E'\n',
  coalesce(m.summary ->> 'subject', ''),
  (SELECT string_agg(concat_ws(E'\n', coalesce(a ->> 'name', ''), coalesce(a ->> 'address', '')), E'\n')
     FROM jsonb_array_elements(CASE WHEN jsonb_typeof(m.summary -> 'from') = 'array' THEN m.summary -> 'from' ELSE '[]'::jsonb END) AS a),
  (SELECT string_agg(concat_ws(E'\n', coalesce(a ->> 'name', ''), coalesce(a ->> 'address', '')), E'\n')
     FROM jsonb_array_elements(CASE WHEN jsonb_typeof(m.summary -> 'to') = 'array' THEN m.summary -> 'to' ELSE '[]'::jsonb END) AS a),
  (SELECT string_agg(concat_ws(E'\n', coalesce(a ->> 'name', ''), coalesce(a ->> 'address', '')), E'\n')
     FROM jsonb_array_elements(CASE WHEN jsonb_typeof(m.summary -> 'cc') = 'array' THEN m.summary -> 'cc' ELSE '[]'::jsonb END) AS a)
))
FROM mail_messages AS m;
