import { sql, type Kysely } from 'kysely';

// Emails are stored with their one-time tokens replaced by placeholders; the raw tokens wait in
// `secrets` only until delivery ends. Emails written before this held working links in their bodies:
// those tokens are hidden here (the emails can be resent, which issues fresh links).
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE emails ADD COLUMN secrets jsonb;
    UPDATE emails SET
      subject = regexp_replace(subject, '([?&]token=)[A-Za-z0-9_-]+', '\\1[hidden]', 'g'),
      html = regexp_replace(html, '([?&](amp;)?token=)[A-Za-z0-9_-]+', '\\1[hidden]', 'g'),
      text = regexp_replace(text, '([?&]token=)[A-Za-z0-9_-]+', '\\1[hidden]', 'g')
    WHERE subject ~ 'token=' OR html ~ 'token=' OR text ~ 'token=';
  `.execute(db);
}
