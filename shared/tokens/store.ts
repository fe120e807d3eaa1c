// Reads and writes an athlete's Strava tokens, encrypting them on the way in and decrypting on the way out.
import type { Queryable } from '../db/index.js';
import type { TokenCipher } from './cipher.js';

export interface StoredTokens {
  accessToken: string;
  refreshToken: string;
  expiresAt: Date;
}

/** The authenticated data each field is sealed with: a ciphertext moved to another athlete or field will not open. */
export const tokenContext = (athleteId: number, field: 'access' | 'refresh') => `athlete:${athleteId}:${field}`;

export async function saveTokens(db: Queryable, cipher: TokenCipher, athleteId: number, tokens: StoredTokens): Promise<void> {
  await db.query(
    `insert into tokens (athlete_id, access_token, refresh_token, expires_at)
     values ($1::bigint, $2::bytea, $3::bytea, $4::timestamptz)
     on conflict (athlete_id) do update set
       access_token = excluded.access_token,
       refresh_token = excluded.refresh_token,
       expires_at = excluded.expires_at,
       updated_at = now()`,
    [
      athleteId,
      cipher.encrypt(tokens.accessToken, tokenContext(athleteId, 'access')),
      cipher.encrypt(tokens.refreshToken, tokenContext(athleteId, 'refresh')),
      tokens.expiresAt,
    ],
  );
}

export async function loadTokens(db: Queryable, cipher: TokenCipher, athleteId: number): Promise<StoredTokens | undefined> {
  const { rows } = await db.query<{ access_token: Buffer; refresh_token: Buffer; expires_at: Date }>(
    'select access_token, refresh_token, expires_at from tokens where athlete_id = $1::bigint',
    [athleteId],
  );
  const row = rows[0];
  if (!row) return undefined;
  return {
    accessToken: cipher.decrypt(row.access_token, tokenContext(athleteId, 'access')),
    refreshToken: cipher.decrypt(row.refresh_token, tokenContext(athleteId, 'refresh')),
    expiresAt: row.expires_at,
  };
}
