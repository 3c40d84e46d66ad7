-- star_milestones: for each repo and threshold (1,000, 10,000, 50,000, 100,000, 200,000 stars) it has
-- reached, the first day its stars were at least the threshold in repo_stars_daily, with that day's basis.
-- That day is always observed or reconstructed: a bridged day only repeats an earlier value, and
-- reconstructed days are exactly those before the repo's first snapshot, so the basis is read from the
-- first observed day instead of a second pass. days_taken counts from the repo's creation day
-- (github_repos.created_at, UTC), else from the first day of its series. Thresholds not reached yet have
-- no row.

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
        any_value(as_of) as as_of
    from repo_star_values
    group by repo_id
),

milestones as (
    select repo_id, series_start, first_observed_day, as_of, 1000 as threshold, day_1000 as first_day
    from firsts
    union all
    select repo_id, series_start, first_observed_day, as_of, 10000, day_10000 from firsts
    union all
    select repo_id, series_start, first_observed_day, as_of, 50000, day_50000 from firsts
    union all
    select repo_id, series_start, first_observed_day, as_of, 100000, day_100000 from firsts
    union all
    select repo_id, series_start, first_observed_day, as_of, 200000, day_200000 from firsts
)

select
    m.repo_id,
    r.repo,
    m.threshold,
    m.first_day,
    m.first_day - coalesce((r.created_at at time zone 'UTC')::date, m.series_start) as days_taken,
    case when m.first_day < m.first_observed_day then 'reconstructed' else 'observed' end as basis,
    m.as_of
from milestones m
left join github_repos r on r.repo_id = m.repo_id
where m.first_day is not null
order by m.repo_id, m.threshold;

comment on view star_milestones is 'Per repo and reached threshold (1k, 10k, 50k, 100k, 200k stars): the first day repo_stars_daily shows at least that many stars, its basis (observed or reconstructed), and the days it took from the repo''s creation day (else from the start of its series).';
