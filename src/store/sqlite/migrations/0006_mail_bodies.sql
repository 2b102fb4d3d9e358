-- Rendered text and HTML bodies of each message (MailStore.getMailBodies), written at delivery so a
-- body fetch does not re-parse a message with large attachments. Keyed by the content, which a
-- move keeps; a table of its own so listing rows stay small. Messages stored before this version
-- have no row (the mail backend parses them on demand and may fill it in with putMailBodies).
CREATE TABLE mail_bodies (
  content_id  TEXT PRIMARY KEY NOT NULL REFERENCES mail_contents (id) ON DELETE CASCADE,
  text        TEXT,
  html        TEXT
);
