-- star_lookup_days: the (repo, day) pairs whose stars the comparison views ask for, so repo_stars_on can
-- answer them with a few lookups instead of building every repo's daily series:
--   every tracked repo (entity_repos) on the as-of date and 7, 30 and 90 days before it (lab_growth,
--   region_gains); every event repo (event_repos) on day 0 (the day before the event) and on days 7, 30
--   and 90 after day 0, when they are not after the as-of date (release_takeoff).

create or replace view star_lookup_days as
with as_of as (
    select as_of from as_of_dates where source = 'github'
),

windows as (
    select * from (values (0), (7), (30), (90)) w(days)
),

checkpoints as (
    select t.repo_id, a.as_of - w.days as day
    from (select distinct repo_id from entity_repos) t
    cross join as_of a
    cross join windows w
),

event_days as (
    select r.repo_id, e.day - 1 + w.days as day
    from events e
    join event_repos r on r.event_id = e.event_id
    cross join windows w
    cross join as_of a
    where e.day - 1 + w.days <= a.as_of
)

select distinct u.repo_id, u.day, a.as_of
from (select * from checkpoints union all select * from event_days) u
cross join as_of a;

comment on view star_lookup_days is 'The (repo, day) pairs the comparison views need: tracked repos on the as-of date and 7, 30, 90 days before; event repos on the day before the event and 7, 30, 90 days after it (when not after the as-of date).';

comment on column star_lookup_days.repo_id is 'GitHub''s numeric repo id (stable across renames).';
comment on column star_lookup_days.day is 'A day whose stars a comparison view needs: the as-of date and 7, 30, 90 days before it (tracked repos); the day before an event and 7, 30, 90 days after that day, when not after the as-of date (event repos).';
comment on column star_lookup_days.as_of is 'The GitHub as-of date: the newest snapshot_date in github_repo_snapshots (NULL before the first snapshot).';
