-- region_gains: per region, GitHub stars on the as-of date and gains over 7, 30 and 90 days, by the
-- lab_growth rules: each tracked repo counts once per region of its entities; a gain adds up only the repos
-- with both ends (repos_counted_Nd), the others are repos_uncounted_Nd.

create or replace view region_gains as
with as_of as (
    select as_of from as_of_dates where source = 'github'
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
        sum(g.stars)::bigint as stars,
        sum(g.stars_gained_7d)::bigint as stars_gained_7d,
        sum(g.stars_gained_30d)::bigint as stars_gained_30d,
        sum(g.stars_gained_90d)::bigint as stars_gained_90d,
        (sum(g.stars_30d_ago) filter (where g.stars_gained_30d is not null))::bigint as stars_30d_ago,
        count(g.stars_gained_7d) as repos_counted_7d,
        count(g.stars_gained_30d) as repos_counted_30d,
        count(g.stars_gained_90d) as repos_counted_90d,
        bool_or(
            'includes reconstructed' in (g.basis_7d, g.basis_30d, g.basis_90d)
        ) as includes_reconstructed
    from repo_regions rr
    left join repo_growth g on g.repo_id = rr.repo_id
    group by rr.region
)

select
    t.region,
    t.repos,
    t.stars,
    t.stars_gained_7d,
    t.stars_gained_30d,
    t.stars_gained_90d,
    round(100.0 * t.stars_gained_30d / nullif(t.stars_30d_ago, 0), 1) as growth_30d_pct,
    t.repos_counted_30d as repos_counted,
    t.repos_counted_7d,
    t.repos_counted_30d,
    t.repos_counted_90d,
    t.repos - t.repos_counted_7d as repos_uncounted_7d,
    t.repos - t.repos_counted_30d as repos_uncounted_30d,
    t.repos - t.repos_counted_90d as repos_uncounted_90d,
    case when t.includes_reconstructed then 'includes reconstructed' else 'observed' end as basis,
    a.as_of
from region_totals t
cross join as_of a
order by t.region;

comment on view region_gains is 'Per region: GitHub stars on the as-of date and gains over 7, 30, 90 days, each tracked repo once per region, adding up only the repos with both ends (repos_counted_Nd, the others repos_uncounted_Nd).';

comment on column region_gains.region is 'The region: CN, US, EU or other.';
comment on column region_gains.repos is 'Tracked repos of the region''s entities, each once.';
comment on column region_gains.stars is 'Stars on the GitHub as-of date, summed over the region''s repos that have a value that day.';
comment on column region_gains.stars_gained_7d is 'Stars gained over 7 days: the sum of stars(as_of) - stars(as_of - 7) over the region''s repos that have both ends (repo_growth); NULL when no repo has both.';
comment on column region_gains.stars_gained_30d is 'Stars gained over 30 days: the sum of stars(as_of) - stars(as_of - 30) over the region''s repos that have both ends (repo_growth); NULL when no repo has both.';
comment on column region_gains.stars_gained_90d is 'Stars gained over 90 days: the sum of stars(as_of) - stars(as_of - 90) over the region''s repos that have both ends (repo_growth); NULL when no repo has both.';
comment on column region_gains.growth_30d_pct is '100 x stars_gained_30d / the stars of the same counted repos 30 days earlier, 1 decimal; NULL when that base is 0 or NULL.';
comment on column region_gains.repos_counted is 'Same as repos_counted_30d.';
comment on column region_gains.repos_counted_7d is 'How many of the region''s repos have both ends of the 7-day gain and are added up in stars_gained_7d.';
comment on column region_gains.repos_counted_30d is 'How many of the region''s repos have both ends of the 30-day gain and are added up in stars_gained_30d.';
comment on column region_gains.repos_counted_90d is 'How many of the region''s repos have both ends of the 90-day gain and are added up in stars_gained_90d.';
comment on column region_gains.repos_uncounted_7d is 'How many of the region''s repos are left out of stars_gained_7d because an end is NULL (a gap of more than 3 days, no snapshot, no star history).';
comment on column region_gains.repos_uncounted_30d is 'How many of the region''s repos are left out of stars_gained_30d because an end is NULL (a gap of more than 3 days, no snapshot, no star history).';
comment on column region_gains.repos_uncounted_90d is 'How many of the region''s repos are left out of stars_gained_90d because an end is NULL (a gap of more than 3 days, no snapshot, no star history).';
comment on column region_gains.basis is 'includes reconstructed when a counted end of any repo''s 7, 30 or 90-day gain came from star history, else observed.';
comment on column region_gains.as_of is 'The GitHub as-of date: the newest snapshot_date in github_repo_snapshots (NULL before the first snapshot).';
