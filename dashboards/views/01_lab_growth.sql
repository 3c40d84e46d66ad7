-- lab_growth: per entity, GitHub stars on the as-of date and gains over 7, 30 and 90 days.
-- The entity's repos come from entity_repos (a repo of two entities counts in each). A gain adds up only
-- the repos that have both ends (repo_growth: stars(as_of) - stars(as_of - N)); repos_counted_Nd says how
-- many did, repos_uncounted_Nd how many could not (an end missing: a gap of more than 3 days, no snapshot,
-- no history). repos_counted is the 30-day one. stars adds up the repos with a value on the as-of date.
-- growth_30d_pct = gained_30d / stars 30 days ago over the same counted repos, x100, 1 decimal; NULL when
-- that base is 0 or NULL. basis_Nd is 'includes reconstructed' when a counted repo's end came from star
-- history, else 'observed' (NULL when no repo was counted); basis is 'includes reconstructed' when any
-- window's is. repos_bridged_Nd counts the counted repos with a bridged end.

create or replace view lab_growth as
with as_of as (
    select as_of from as_of_dates where source = 'github'
),

entity_growth as (
    select
        er.entity_key,
        count(er.repo_id) as repos,
        sum(g.stars)::bigint as stars,
        sum(g.stars_gained_7d)::bigint as stars_gained_7d,
        sum(g.stars_gained_30d)::bigint as stars_gained_30d,
        sum(g.stars_gained_90d)::bigint as stars_gained_90d,
        (sum(g.stars_30d_ago) filter (where g.stars_gained_30d is not null))::bigint as stars_30d_ago,
        count(g.stars_gained_7d) as repos_counted_7d,
        count(g.stars_gained_30d) as repos_counted_30d,
        count(g.stars_gained_90d) as repos_counted_90d,
        count(*) filter (where g.bridged_7d) as repos_bridged_7d,
        count(*) filter (where g.bridged_30d) as repos_bridged_30d,
        count(*) filter (where g.bridged_90d) as repos_bridged_90d,
        bool_or(g.basis_7d = 'includes reconstructed') as reconstructed_7d,
        bool_or(g.basis_30d = 'includes reconstructed') as reconstructed_30d,
        bool_or(g.basis_90d = 'includes reconstructed') as reconstructed_90d
    from entity_repos er
    left join repo_growth g on g.repo_id = er.repo_id
    group by er.entity_key
)

select
    e.entity_key,
    e.name,
    e.region,
    e.kind,
    coalesce(g.repos, 0) as repos,
    g.stars,
    g.stars_gained_7d,
    g.stars_gained_30d,
    g.stars_gained_90d,
    round(100.0 * g.stars_gained_30d / nullif(g.stars_30d_ago, 0), 1) as growth_30d_pct,
    coalesce(g.repos_counted_30d, 0) as repos_counted,
    coalesce(g.repos_counted_7d, 0) as repos_counted_7d,
    coalesce(g.repos_counted_30d, 0) as repos_counted_30d,
    coalesce(g.repos_counted_90d, 0) as repos_counted_90d,
    coalesce(g.repos - g.repos_counted_7d, 0) as repos_uncounted_7d,
    coalesce(g.repos - g.repos_counted_30d, 0) as repos_uncounted_30d,
    coalesce(g.repos - g.repos_counted_90d, 0) as repos_uncounted_90d,
    coalesce(g.repos_bridged_7d, 0) as repos_bridged_7d,
    coalesce(g.repos_bridged_30d, 0) as repos_bridged_30d,
    coalesce(g.repos_bridged_90d, 0) as repos_bridged_90d,
    case when g.repos_counted_7d > 0 then
        case when g.reconstructed_7d then 'includes reconstructed' else 'observed' end
    end as basis_7d,
    case when g.repos_counted_30d > 0 then
        case when g.reconstructed_30d then 'includes reconstructed' else 'observed' end
    end as basis_30d,
    case when g.repos_counted_90d > 0 then
        case when g.reconstructed_90d then 'includes reconstructed' else 'observed' end
    end as basis_90d,
    case
        when g.reconstructed_7d or g.reconstructed_30d or g.reconstructed_90d then 'includes reconstructed'
        when g.repos_counted_7d + g.repos_counted_30d + g.repos_counted_90d > 0 then 'observed'
    end as basis,
    a.as_of
from entities e
cross join as_of a
left join entity_growth g on g.entity_key = e.entity_key
order by e.entity_key;

comment on view lab_growth is 'Per entity: GitHub stars on the as-of date and gains over 7, 30, 90 days, adding up only the repos with both ends (repos_counted_Nd; the others are repos_uncounted_Nd); growth_30d_pct is gained_30d over the counted repos'' stars 30 days earlier; basis says whether star history was used.';

comment on column lab_growth.entity_key is 'The entity''s key in config.toml ([[entity]] key).';
comment on column lab_growth.name is 'The entity''s display name (config.toml name).';
comment on column lab_growth.region is 'The entity''s region: CN, US, EU or other.';
comment on column lab_growth.kind is 'The entity''s kind: ai-lab, big-tech, community or foundation.';
comment on column lab_growth.repos is 'The entity''s tracked repos (entity_repos); 0 when none.';
comment on column lab_growth.stars is 'Stars on the GitHub as-of date, summed over the entity''s repos that have a value that day.';
comment on column lab_growth.stars_gained_7d is 'Stars gained over 7 days: the sum of stars(as_of) - stars(as_of - 7) over the entity''s repos that have both ends (repo_growth); NULL when no repo has both.';
comment on column lab_growth.stars_gained_30d is 'Stars gained over 30 days: the sum of stars(as_of) - stars(as_of - 30) over the entity''s repos that have both ends (repo_growth); NULL when no repo has both.';
comment on column lab_growth.stars_gained_90d is 'Stars gained over 90 days: the sum of stars(as_of) - stars(as_of - 90) over the entity''s repos that have both ends (repo_growth); NULL when no repo has both.';
comment on column lab_growth.growth_30d_pct is '100 x stars_gained_30d / the stars of the same counted repos 30 days earlier, 1 decimal; NULL when that base is 0 or NULL.';
comment on column lab_growth.repos_counted is 'Same as repos_counted_30d.';
comment on column lab_growth.repos_counted_7d is 'How many of the entity''s repos have both ends of the 7-day gain and are added up in stars_gained_7d.';
comment on column lab_growth.repos_counted_30d is 'How many of the entity''s repos have both ends of the 30-day gain and are added up in stars_gained_30d.';
comment on column lab_growth.repos_counted_90d is 'How many of the entity''s repos have both ends of the 90-day gain and are added up in stars_gained_90d.';
comment on column lab_growth.repos_uncounted_7d is 'How many of the entity''s repos are left out of stars_gained_7d because an end is NULL (a gap of more than 3 days, no snapshot, no star history).';
comment on column lab_growth.repos_uncounted_30d is 'How many of the entity''s repos are left out of stars_gained_30d because an end is NULL (a gap of more than 3 days, no snapshot, no star history).';
comment on column lab_growth.repos_uncounted_90d is 'How many of the entity''s repos are left out of stars_gained_90d because an end is NULL (a gap of more than 3 days, no snapshot, no star history).';
comment on column lab_growth.repos_bridged_7d is 'How many counted repos have a bridged end (a snapshot 1 to 3 days old) of the 7-day gain.';
comment on column lab_growth.repos_bridged_30d is 'How many counted repos have a bridged end (a snapshot 1 to 3 days old) of the 30-day gain.';
comment on column lab_growth.repos_bridged_90d is 'How many counted repos have a bridged end (a snapshot 1 to 3 days old) of the 90-day gain.';
comment on column lab_growth.basis_7d is 'includes reconstructed when an end of a counted repo''s 7-day gain came from star history, else observed; NULL when no repo was counted.';
comment on column lab_growth.basis_30d is 'includes reconstructed when an end of a counted repo''s 30-day gain came from star history, else observed; NULL when no repo was counted.';
comment on column lab_growth.basis_90d is 'includes reconstructed when an end of a counted repo''s 90-day gain came from star history, else observed; NULL when no repo was counted.';
comment on column lab_growth.basis is 'includes reconstructed when any of basis_7d, basis_30d, basis_90d is; else observed; NULL when no repo was counted in any window.';
comment on column lab_growth.as_of is 'The GitHub as-of date: the newest snapshot_date in github_repo_snapshots (NULL before the first snapshot).';
