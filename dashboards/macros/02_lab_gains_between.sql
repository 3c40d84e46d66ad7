-- lab_gains_between(from_day, to_day): per entity, the stars gained from from_day to to_day by the
-- lab_growth rules, over repo_gains_between: a repo of two entities counts in each; the gain adds up only
-- the repos with both ends (repos_counted; the others are repos_uncounted); stars adds up the repos with a
-- value on to_day; growth_pct = stars_gained / the counted repos' stars on from_day, x100, 1 decimal (NULL
-- when that base is 0 or NULL); basis is NULL when no repo was counted, 'includes reconstructed' when a
-- counted repo's end came from star history, else 'observed'. With to_day the GitHub as-of date and
-- from_day = to_day - 7, stars_gained equals lab_growth.stars_gained_7d.

create or replace macro lab_gains_between(from_day, to_day) as table
with gains as (
    select * from repo_gains_between(from_day, to_day)
),

entity_gains as (
    select
        er.entity_key,
        count(*) as repos,
        sum(g.stars_to)::bigint as stars,
        sum(g.stars_gained)::bigint as stars_gained,
        (sum(g.stars_from) filter (where g.stars_gained is not null))::bigint as stars_from_counted,
        count(g.stars_gained) as repos_counted,
        count(*) filter (where g.bridged) as repos_bridged,
        bool_or(g.basis = 'includes reconstructed') as reconstructed
    from entity_repos er
    join gains g on g.repo_id = er.repo_id
    group by er.entity_key
)

select
    e.entity_key,
    e.name,
    e.region,
    e.kind,
    coalesce(g.repos, 0) as repos,
    g.stars,
    g.stars_gained,
    round(100.0 * g.stars_gained / nullif(g.stars_from_counted, 0), 1) as growth_pct,
    coalesce(g.repos_counted, 0) as repos_counted,
    coalesce(g.repos - g.repos_counted, 0) as repos_uncounted,
    coalesce(g.repos_bridged, 0) as repos_bridged,
    case when g.repos_counted > 0 then
        case when g.reconstructed then 'includes reconstructed' else 'observed' end
    end as basis,
    from_day::date as from_day,
    to_day::date as to_day
from entities e
left join entity_gains g on g.entity_key = e.entity_key
order by e.entity_key;

comment on macro table lab_gains_between is 'Table macro lab_gains_between(from_day, to_day): per entity, stars_gained = stars(to_day) - stars(from_day) over the repos with both ends (repos_counted; the others repos_uncounted), stars on to_day, growth_pct, repos_bridged and basis, by the lab_growth rules.';
