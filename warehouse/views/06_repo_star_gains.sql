-- repo_star_gains: stars added per repo per day, week and month, from github_star_history.
-- The history counts the stars that still exist, by the day they were given (basis 'history'): it is not
-- the change of the observed total. Weeks start on Monday (date_trunc('week'), ISO weeks); months on the 1st.
-- repo is the current name (github_repos), else the name the history was fetched under.

create or replace view repo_star_gains as
with as_of as (
    select as_of from as_of_dates where source = 'github'
),

days as (   -- one history row per repo and day already
    select repo_id, repo as fetched_as, 'day' as period, day as period_start, stars_added
    from github_star_history
),

weeks as (
    select repo_id, any_value(repo) as fetched_as, 'week' as period,
        date_trunc('week', day)::date as period_start, sum(stars_added)::bigint as stars_added
    from github_star_history
    group by repo_id, period_start
),

months as (
    select repo_id, any_value(repo) as fetched_as, 'month' as period,
        date_trunc('month', day)::date as period_start, sum(stars_added)::bigint as stars_added
    from github_star_history
    group by repo_id, period_start
),

periods as (
    select * from days
    union all
    select * from weeks
    union all
    select * from months
)

select
    p.repo_id,
    coalesce(r.repo, p.fetched_as) as repo,
    p.period,
    p.period_start,
    p.stars_added,
    'history' as basis,
    a.as_of
from periods p
cross join as_of a
left join github_repos r on r.repo_id = p.repo_id;

comment on view repo_star_gains is 'Stars added per repo per day, week (starting Monday) and month from github_star_history (basis history: retained stars by the day they were given, not the change of the observed total).';

comment on column repo_star_gains.repo_id is 'GitHub''s numeric repo id (stable across renames).';
comment on column repo_star_gains.repo is 'The repo''s current owner/name (github_repos), else the name its star history was fetched under.';
comment on column repo_star_gains.period is 'day, week or month.';
comment on column repo_star_gains.period_start is 'The day; the Monday that starts the ISO week; the 1st of the month.';
comment on column repo_star_gains.stars_added is 'Stars given in the period that still exist (sum of github_star_history.stars_added): not the change of the observed total, since unstarred stars are gone from their day.';
comment on column repo_star_gains.basis is 'Always history (from github_star_history).';
comment on column repo_star_gains.as_of is 'The GitHub as-of date: the newest snapshot_date in github_repo_snapshots (NULL before the first snapshot).';
