-- repo_stars_on: stars of a repo on each day of star_lookup_days, by the same rules as repo_star_values:
--   observed       a snapshot of that day;
--   bridged        the latest snapshot at most 3 days earlier;
--   not created    the day is before the repo's creation day (github_repos.created_at, UTC): 0 stars;
--   reconstructed  before the first snapshot, where the star history is complete (from its oldest day, or
--                  from the start when github_star_history_state says the backfill is complete): the first
--                  observed total minus the stars added after the day up to the first observed day, floored
--                  at 0;
--   missing        none of these (stars NULL, never 0).
-- Each day is answered by a lookup of at most 4 snapshot days, so no daily series is built.

create or replace view repo_stars_on as
with as_of as (
    select as_of from as_of_dates where source = 'github'
),

lookups as (
    select repo_id, day from star_lookup_days
),

candidates as (   -- the day itself and the 3 days before it
    select l.repo_id, l.day, b.back, l.day - b.back as snapshot_day
    from lookups l
    cross join (values (0), (1), (2), (3)) b(back)
),

snapshot_hits as (   -- the latest snapshot at most 3 days before (or on) the day
    select c.repo_id, c.day, arg_min(s.stars, c.back) as stars, min(c.back) as back
    from candidates c
    join github_repo_snapshots s on s.repo_id = c.repo_id and s.snapshot_date = c.snapshot_day
    group by c.repo_id, c.day
),

unresolved as (
    select l.repo_id, l.day
    from lookups l
    anti join snapshot_hits h on h.repo_id = l.repo_id and h.day = l.day
),

first_snapshots as (   -- only for the repos with an unresolved day
    select s.repo_id, min(s.snapshot_date) as first_day, arg_min(s.stars, s.snapshot_date) as first_stars
    from github_repo_snapshots s
    where s.repo_id in (select repo_id from unresolved)
    group by s.repo_id
),

history_coverage as (   -- from which day the star history is complete: every star after it is in it
    select
        h.repo_id,
        case
            when any_value(st.complete) then date '0001-01-01'   -- backfilled to the repo's creation
            else coalesce(any_value(st.oldest_day), min(h.day))
        end as covered_from
    from github_star_history h
    left join github_star_history_state st on st.repo_id = h.repo_id
    where h.repo_id in (select repo_id from unresolved)
    group by h.repo_id
),

reconstructed as (   -- first observed total minus the stars added on days d with day < d <= first day
    select u.repo_id, u.day, greatest(f.first_stars - coalesce(sum(h.stars_added), 0)::bigint, 0) as stars
    from unresolved u
    join first_snapshots f on f.repo_id = u.repo_id and u.day < f.first_day
    join history_coverage c on c.repo_id = u.repo_id and u.day >= c.covered_from
    left join github_star_history h on h.repo_id = u.repo_id and h.day > u.day and h.day <= f.first_day
    group by u.repo_id, u.day, f.first_stars
),

labelled as (
    select repo_id, day, stars, case when back = 0 then 'observed' else 'bridged' end as basis
    from snapshot_hits
    union all
    select
        u.repo_id,
        u.day,
        case when (g.created_at at time zone 'UTC')::date > u.day then 0 else r.stars end as stars,
        case
            when (g.created_at at time zone 'UTC')::date > u.day then 'not created'
            when r.stars is not null then 'reconstructed'
            else 'missing'
        end as basis
    from unresolved u
    left join github_repos g on g.repo_id = u.repo_id
    left join reconstructed r on r.repo_id = u.repo_id and r.day = u.day
)

select l.repo_id, l.day, l.stars, l.basis, a.as_of
from labelled l
cross join as_of a;

comment on view repo_stars_on is 'Stars of a repo on each day of star_lookup_days by the repo_star_values rules (observed, bridged up to 3 days, reconstructed before the first snapshot, missing as NULL), plus 0 with basis not created for days before the repo was created.';

comment on column repo_stars_on.repo_id is 'GitHub''s numeric repo id (stable across renames).';
comment on column repo_stars_on.day is 'A day of star_lookup_days.';
comment on column repo_stars_on.stars is 'The repo''s stars that day as basis says: 0 when not created, NULL (never 0) when missing.';
comment on column repo_stars_on.basis is 'observed (a snapshot that day), bridged (the latest snapshot, 1 to 3 days earlier), not created (before the repo''s creation day, UTC), reconstructed (before the first snapshot, where the star history is complete) or missing.';
comment on column repo_stars_on.as_of is 'The GitHub as-of date: the newest snapshot_date in github_repo_snapshots (NULL before the first snapshot).';
