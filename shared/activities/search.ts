// The activities list: search by name, filter by sport and local date range, one page at a time.
import type { Queryable } from '../db/index.js';
import type { ActivityRow } from './store.js';

export interface ActivityFilter {
  q?: string | undefined;
  sport?: string | undefined;
  /** Local calendar dates, "YYYY-MM-DD", both inclusive. */
  from?: string | undefined;
  to?: string | undefined;
  page: number;
  perPage: number;
}

/** A row of the list: the stored row's summary fields, with the local start as the text the query formats. */
export type ListedActivity = Pick<ActivityRow, 'id' | 'name' | 'sportType' | 'distance' | 'movingTime' | 'totalElevationGain' | 'summaryPolyline'> & {
  startDateLocal: string;
};

export interface ActivityPage {
  rows: ListedActivity[];
  total: number;
  page: number;
  pages: number;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** A valid "YYYY-MM-DD" or undefined: a malformed filter is ignored rather than an error page. */
export function parseDate(value: string | undefined): string | undefined {
  if (!value || !DATE.test(value)) return undefined;
  const time = Date.parse(`${value}T00:00:00Z`);
  return Number.isNaN(time) || new Date(time).toISOString().slice(0, 10) !== value ? undefined : value;
}

/** LIKE treats % and _ as wildcards; a name search means the characters themselves. */
function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
}

export async function searchActivities(db: Queryable, athleteId: number, filter: ActivityFilter): Promise<ActivityPage> {
  const q = filter.q?.trim() ? likePattern(filter.q.trim().slice(0, 100)) : null;
  const sport = filter.sport?.trim() || null;
  const from = parseDate(filter.from) ?? null;
  const to = parseDate(filter.to) ?? null;
  const page = Math.max(1, Math.floor(filter.page) || 1);
  const { rows } = await db.query<ListedActivity & { total: number }>(
    `select id, name, sport_type as "sportType", to_char(start_date_local, 'YYYY-MM-DD"T"HH24:MI:SS') as "startDateLocal",
            distance, moving_time as "movingTime", total_elevation_gain as "totalElevationGain",
            summary_polyline as "summaryPolyline", count(*) over ()::integer as total
     from activities
     where athlete_id = $1::bigint
       and ($2::text is null or name ilike $2::text)
       and ($3::text is null or sport_type = $3::text)
       and ($4::date is null or start_date_local >= $4::date)
       and ($5::date is null or start_date_local < $5::date + 1)
     order by start_date_local desc, id desc
     limit $6::integer offset $7::integer`,
    [athleteId, q, sport, from, to, filter.perPage, (page - 1) * filter.perPage],
  );
  let total = rows[0]?.total ?? 0;
  if (rows.length === 0 && page > 1) {
    // Past the last page: the count comes from a page that exists.
    const counted = await searchActivities(db, athleteId, { ...filter, page: 1 });
    total = counted.total;
  }
  return {
    rows: rows.map(({ total: _total, ...row }) => row),
    total,
    page,
    pages: Math.max(1, Math.ceil(total / filter.perPage)),
  };
}

export async function athleteSports(db: Queryable, athleteId: number): Promise<string[]> {
  const { rows } = await db.query<{ sportType: string }>(
    `select sport_type as "sportType" from activities where athlete_id = $1::bigint group by 1 order by count(*) desc, 1`,
    [athleteId],
  );
  return rows.map((row) => row.sportType);
}
