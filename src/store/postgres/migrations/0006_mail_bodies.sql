-- Rendered text and HTML bodies of each message (MailStore.getMailBodies), written at delivery so a
-- body fetch does not re-parse a message with large attachments. Keyed by the content, which a
-- move keeps; a table of its own, as in SQLite. Messages stored before this version have no row
-- (the mail backend parses them on demand and may fill it in with putMailBodies).
CREATE TABLE mail_bodies (
  content_id  text COLLATE "C" PRIMARY KEY REFERENCES mail_contents (id) ON DELETE CASCADE,
  text        text,
  html        text
);
