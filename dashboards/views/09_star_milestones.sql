-- star_milestones: for each repo and threshold (1,000, 10,000, 50,000, 100,000, 200,000 stars) it has
-- reached, the first day its stars were at least the threshold in repo_stars_daily, with that day's basis.
-- That day is always observed or reconstructed: a bridged day only repeats an earlier value, and
-- reconstructed days are exactly those before the repo's first snapshot, so the basis is read from the
-- first observed day instead of a second pass.
-- The day is only a crossing when the value on the day before it is known (and so below the threshold):
--   the day before is in the series and not missing (the series is contiguous, so that is: the day is
--   not the series start and the day before is not a missing day); or
--   the day before is before the repo's creation day (github_repos.created_at, UTC): 0 stars; or
--   the day is the start of a series reconstructed from star history that covers the day before it
--   (github_star_history_state says complete, else its oldest day, else the oldest history day, is
--   earlier): a complete history, so nothing was there before.
-- Then status is 'reached' and days_taken counts from the creation day, else from the first day of its
-- series. Otherwise the threshold was already passed when the data starts (or during a missing gap):
-- first_day and days_taken are NULL and status is 'reached before data' (basis is still the basis of the
-- first day the data shows it). Thresholds not reached yet have no row.

create or replace view star_milestones as
with firsts as (   -- one pass over the series: the first day at or above each threshold
    select
        repo_id,
        min(day) as series_start,
        min(day) filter (where stars >= 1000) as day_1000,
        min(day) filter (where stars >= 10000) as day_10000,
        min(day) filter (where stars >= 50000) as day_50000,
        min(day) filter (where stars >= 100000) as day_100000,
        min(day) filter (where stars >= 200000) as day_200000,
        min(day) filter (where basis = 'observed') as first_observed_day,
        list(day) filter (where basis = 'missing') as missing_days,
        any_value(as_of) as as_of
    from repo_star_values
    group by repo_id
),

history_coverage as (   -- from which day the star history of a repo is complete
    select
        h.repo_id,
        case
            when any_value(st.complete) then date '0001-01-01'
            else coalesce(any_value(st.oldest_day), min(h.day))
        end as covered_from
    from github_star_history h
    left join github_star_history_state st on st.repo_id = h.repo_id
    group by h.repo_id
),

milestones as (
    select repo_id, series_start, first_observed_day, missing_days, as_of, 1000 as threshold,
           day_1000 as seen_day
    from firsts
    union all
    select repo_id, series_start, first_observed_day, missing_days, as_of, 10000, day_10000 from firsts
    union all
    select repo_id, series_start, first_observed_day, missing_days, as_of, 50000, day_50000 from firsts
    union all
    select repo_id, series_start, first_observed_day, missing_days, as_of, 100000, day_100000 from firsts
    union all
    select repo_id, series_start, first_observed_day, missing_days, as_of, 200000, day_200000 from firsts
),

judged as (
    select
        m.repo_id,
        r.repo,
        m.threshold,
        m.seen_day,
        m.series_start,
        m.first_observed_day,
        m.as_of,
        (r.created_at at time zone 'UTC')::date as created_day,
        coalesce(
            (m.seen_day > m.series_start and not list_contains(coalesce(m.missing_days, []), m.seen_day - 1))
            or (r.created_at at time zone 'UTC')::date >= m.seen_day
            or (m.seen_day = m.series_start and m.seen_day < m.first_observed_day and c.covered_from < m.seen_day),
            false
        ) as crossing_known
    from milestones m
    left join github_repos r on r.repo_id = m.repo_id
    left join history_coverage c on c.repo_id = m.repo_id
    where m.seen_day is not null
)

select
    repo_id,
    repo,
    threshold,
    case when crossing_known then seen_day end as first_day,
    case when crossing_known then seen_day - coalesce(created_day, series_start) end as days_taken,
    case when seen_day < first_observed_day then 'reconstructed' else 'observed' end as basis,
    case when crossing_known then 'reached' else 'reached before data' end as status,
    as_of
from judged
order by repo_id, threshold;

comment on view star_milestones is 'Per repo and reached threshold (1k, 10k, 50k, 100k, 200k stars): the first day repo_stars_daily shows at least that many stars when the day before is known to be below it (status reached), else first_day NULL and status reached before data; its basis (observed or reconstructed), and the days it took from the repo''s creation day (else from the start of its series).';

comment on column star_milestones.repo_id is 'GitHub''s numeric repo id (stable across renames).';
comment on column star_milestones.repo is 'The repo''s current owner/name (github_repos); NULL when the id has no github_repos row.';
comment on column star_milestones.threshold is 'The star count reached: 1000, 10000, 50000, 100000 or 200000 (thresholds not reached yet have no row).';
comment on column star_milestones.first_day is 'The first day repo_stars_daily shows at least threshold stars, when the day before is known to be below it (status reached); else NULL.';
comment on column star_milestones.days_taken is 'first_day - the repo''s creation day (UTC), else - the first day of its series; NULL when first_day is NULL.';
comment on column star_milestones.basis is 'The basis of the first day the data shows the threshold reached: reconstructed (before the first snapshot) or observed.';
comment on column star_milestones.status is 'reached (first_day is a known crossing) or reached before data (already passed when the data starts, or during a missing gap).';
comment on column star_milestones.as_of is 'The GitHub as-of date: the newest snapshot_date in github_repo_snapshots (NULL before the first snapshot).';
