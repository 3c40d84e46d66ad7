-- repo_gains_between(from_day, to_day): per tracked repo (entity_repos), stars on from_day and to_day and
-- the gain stars(to_day) - stars(from_day), NULL when either end is NULL.
-- Values come from repo_star_values (observed, bridged from a snapshot at most 3 days old, reconstructed
-- from star history before the first snapshot, missing = NULL, never 0); a day before the repo's creation
-- day (github_repos.created_at, UTC) with no value there counts 0 ('not created'), as in repo_stars_on.
-- Repos are ids, so a renamed repo keeps one series and shows its current name. basis is 'includes
-- reconstructed' when an end was reconstructed, else 'observed' (NULL when the gain is NULL); bridged is
-- true when an end was bridged. Days are dates or ISO strings: repo_gains_between('2026-03-01', '2026-03-08').

create or replace macro repo_gains_between(from_day, to_day) as table
with bounds as (
    select from_day::date as from_day, to_day::date as to_day
),

tracked as (
    select distinct repo_id from entity_repos
),

ends as (
    select t.repo_id, b.from_day as day from tracked t cross join bounds b
    union
    select t.repo_id, b.to_day as day from tracked t cross join bounds b
),

known as (   -- the repo's daily series on the two days
    select v.repo_id, v.day, v.stars, v.basis
    from repo_star_values v
    semi join ends e on e.repo_id = v.repo_id and e.day = v.day
),

valued as (
    select
        e.repo_id,
        e.day,
        case
            when k.stars is not null then k.stars
            when (g.created_at at time zone 'UTC')::date > e.day then 0
        end as stars,
        case
            when k.stars is not null then k.basis
            when (g.created_at at time zone 'UTC')::date > e.day then 'not created'
            else 'missing'
        end as basis
    from ends e
    left join known k on k.repo_id = e.repo_id and k.day = e.day
    left join github_repos g on g.repo_id = e.repo_id
),

pairs as (
    select
        t.repo_id,
        f.stars as stars_from,
        l.stars as stars_to,
        f.basis as basis_from,
        l.basis as basis_to
    from tracked t
    cross join bounds b
    join valued f on f.repo_id = t.repo_id and f.day = b.from_day
    join valued l on l.repo_id = t.repo_id and l.day = b.to_day
)

select
    p.repo_id,
    r.repo,
    p.stars_from,
    p.stars_to,
    p.stars_to - p.stars_from as stars_gained,
    case
        when p.stars_to - p.stars_from is null then null
        when 'reconstructed' in (p.basis_from, p.basis_to) then 'includes reconstructed'
        else 'observed'
    end as basis,
    p.stars_to - p.stars_from is not null and 'bridged' in (p.basis_from, p.basis_to) as bridged,
    p.basis_from,
    p.basis_to,
    b.from_day,
    b.to_day
from pairs p
cross join bounds b
left join github_repos r on r.repo_id = p.repo_id
order by p.repo_id;

comment on macro table repo_gains_between is 'Table macro repo_gains_between(from_day, to_day): per tracked repo, stars on both days and stars_gained = stars(to_day) - stars(from_day) by the repo_star_values rules (observed, bridged up to 3 days, reconstructed, missing as NULL; 0 before creation), NULL when an end is NULL; basis, bridged, basis_from, basis_to.';
