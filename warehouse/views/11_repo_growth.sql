-- repo_growth: per tracked repo (entity_repos), stars on the as-of date and the gains over 7, 30 and 90 days.
-- A gain over N days = stars(as_of) - stars(as_of - N), both from repo_stars_on; NULL when either end is
-- NULL. A day before the repo's creation counts 0 ('not created', exact: observed basis). basis_Nd is
-- 'includes reconstructed' when an end was reconstructed from star history, else 'observed'; bridged_Nd
-- is true when an end was bridged (a snapshot up to 3 days old), so it stays visible.

create or replace view repo_growth as
with as_of as (
    select as_of from as_of_dates where source = 'github'
),

ends as (
    select
        t.repo_id,
        any_value(p.stars) filter (where p.day = a.as_of) as stars,
        any_value(p.stars) filter (where p.day = a.as_of - 7) as stars_7d_ago,
        any_value(p.stars) filter (where p.day = a.as_of - 30) as stars_30d_ago,
        any_value(p.stars) filter (where p.day = a.as_of - 90) as stars_90d_ago,
        any_value(p.basis) filter (where p.day = a.as_of) as basis_now,
        any_value(p.basis) filter (where p.day = a.as_of - 7) as basis_7d_ago,
        any_value(p.basis) filter (where p.day = a.as_of - 30) as basis_30d_ago,
        any_value(p.basis) filter (where p.day = a.as_of - 90) as basis_90d_ago
    from (select distinct repo_id from entity_repos) t
    cross join as_of a
    left join repo_stars_on p
        on p.repo_id = t.repo_id and p.day in (a.as_of, a.as_of - 7, a.as_of - 30, a.as_of - 90)
    group by t.repo_id
),

gains as (
    select
        *,
        stars - stars_7d_ago as stars_gained_7d,
        stars - stars_30d_ago as stars_gained_30d,
        stars - stars_90d_ago as stars_gained_90d
    from ends
)

select
    g.repo_id,
    r.repo,
    g.stars,
    g.stars_7d_ago,
    g.stars_30d_ago,
    g.stars_90d_ago,
    g.stars_gained_7d,
    g.stars_gained_30d,
    g.stars_gained_90d,
    case
        when g.stars_gained_7d is null then null
        when 'reconstructed' in (g.basis_now, g.basis_7d_ago) then 'includes reconstructed'
        else 'observed'
    end as basis_7d,
    case
        when g.stars_gained_30d is null then null
        when 'reconstructed' in (g.basis_now, g.basis_30d_ago) then 'includes reconstructed'
        else 'observed'
    end as basis_30d,
    case
        when g.stars_gained_90d is null then null
        when 'reconstructed' in (g.basis_now, g.basis_90d_ago) then 'includes reconstructed'
        else 'observed'
    end as basis_90d,
    g.stars_gained_7d is not null and 'bridged' in (g.basis_now, g.basis_7d_ago) as bridged_7d,
    g.stars_gained_30d is not null and 'bridged' in (g.basis_now, g.basis_30d_ago) as bridged_30d,
    g.stars_gained_90d is not null and 'bridged' in (g.basis_now, g.basis_90d_ago) as bridged_90d,
    g.basis_now,
    g.basis_7d_ago,
    g.basis_30d_ago,
    g.basis_90d_ago,
    a.as_of
from gains g
cross join as_of a
left join github_repos r on r.repo_id = g.repo_id;

comment on view repo_growth is 'Per tracked repo: stars on the GitHub as-of date and gains over 7, 30, 90 days as stars(as_of) - stars(as_of - N) from repo_stars_on, NULL when an end is NULL; basis_Nd is includes reconstructed when an end came from star history, else observed; bridged_Nd flags a bridged end.';

comment on column repo_growth.repo_id is 'A tracked repo''s id (in entity_repos).';
comment on column repo_growth.repo is 'The repo''s current owner/name (github_repos); NULL when the id has no github_repos row.';
comment on column repo_growth.stars is 'Stars on the GitHub as-of date (repo_stars_on); NULL when missing.';
comment on column repo_growth.stars_7d_ago is 'Stars on the as-of date - 7 (repo_stars_on): 0 before the repo was created, NULL when missing.';
comment on column repo_growth.stars_30d_ago is 'Stars on the as-of date - 30 (repo_stars_on): 0 before the repo was created, NULL when missing.';
comment on column repo_growth.stars_90d_ago is 'Stars on the as-of date - 90 (repo_stars_on): 0 before the repo was created, NULL when missing.';
comment on column repo_growth.stars_gained_7d is 'stars - stars_7d_ago; NULL when either is NULL.';
comment on column repo_growth.stars_gained_30d is 'stars - stars_30d_ago; NULL when either is NULL.';
comment on column repo_growth.stars_gained_90d is 'stars - stars_90d_ago; NULL when either is NULL.';
comment on column repo_growth.basis_7d is 'includes reconstructed when an end of the 7-day gain came from star history, else observed; NULL when stars_gained_7d is NULL.';
comment on column repo_growth.basis_30d is 'includes reconstructed when an end of the 30-day gain came from star history, else observed; NULL when stars_gained_30d is NULL.';
comment on column repo_growth.basis_90d is 'includes reconstructed when an end of the 90-day gain came from star history, else observed; NULL when stars_gained_90d is NULL.';
comment on column repo_growth.bridged_7d is 'True when stars_gained_7d is not NULL and an end of it was bridged (a snapshot 1 to 3 days old).';
comment on column repo_growth.bridged_30d is 'True when stars_gained_30d is not NULL and an end of it was bridged (a snapshot 1 to 3 days old).';
comment on column repo_growth.bridged_90d is 'True when stars_gained_90d is not NULL and an end of it was bridged (a snapshot 1 to 3 days old).';
comment on column repo_growth.basis_now is 'The basis of stars (repo_stars_on): observed, bridged, reconstructed, not created or missing.';
comment on column repo_growth.basis_7d_ago is 'The basis of stars_7d_ago (repo_stars_on): observed, bridged, reconstructed, not created or missing.';
comment on column repo_growth.basis_30d_ago is 'The basis of stars_30d_ago (repo_stars_on): observed, bridged, reconstructed, not created or missing.';
comment on column repo_growth.basis_90d_ago is 'The basis of stars_90d_ago (repo_stars_on): observed, bridged, reconstructed, not created or missing.';
comment on column repo_growth.as_of is 'The GitHub as-of date: the newest snapshot_date in github_repo_snapshots (NULL before the first snapshot).';
