-- region_gains_between(from_day, to_day): per region, the stars gained from from_day to to_day by the
-- region_gains rules, over repo_gains_between: each tracked repo counts once per region of its entities;
-- the gain adds up only the repos with both ends (repos_counted; the others are repos_uncounted); basis is
-- NULL when no repo was counted, 'includes reconstructed' when a counted end came from star history, else
-- 'observed'.

create or replace macro region_gains_between(from_day, to_day) as table
with gains as (
    select * from repo_gains_between(from_day, to_day)
),

repo_regions as (
    select distinct er.repo_id, e.region
    from entity_repos er
    join entities e on e.entity_key = er.entity_key
),

region_totals as (
    select
        rr.region,
        count(*) as repos,
        sum(g.stars_to)::bigint as stars,
        sum(g.stars_gained)::bigint as stars_gained,
        (sum(g.stars_from) filter (where g.stars_gained is not null))::bigint as stars_from_counted,
        count(g.stars_gained) as repos_counted,
        count(*) filter (where g.bridged) as repos_bridged,
        bool_or(g.basis = 'includes reconstructed') as reconstructed
    from repo_regions rr
    join gains g on g.repo_id = rr.repo_id
    group by rr.region
)

select
    t.region,
    t.repos,
    t.stars,
    t.stars_gained,
    round(100.0 * t.stars_gained / nullif(t.stars_from_counted, 0), 1) as growth_pct,
    t.repos_counted,
    t.repos - t.repos_counted as repos_uncounted,
    t.repos_bridged,
    case when t.repos_counted > 0 then
        case when t.reconstructed then 'includes reconstructed' else 'observed' end
    end as basis,
    from_day::date as from_day,
    to_day::date as to_day
from region_totals t
order by t.region;

comment on macro table region_gains_between is 'Table macro region_gains_between(from_day, to_day): per region, stars_gained = stars(to_day) - stars(from_day) over its tracked repos with both ends (each repo once per region; repos_counted, repos_uncounted), stars on to_day, growth_pct and basis.';
