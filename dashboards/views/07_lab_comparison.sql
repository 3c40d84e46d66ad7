-- lab_comparison: the headline table, one row per entity: GitHub (lab_growth, on the GitHub as-of date) and
-- Hub (hf_lab_downloads and license_mix, on the Hub as-of date) side by side.
-- permissive_share = downloads_30d of models whose licence category is 'permissive' / all the entity's
-- downloads_30d (0..1, 4 decimals). Ranks use rank() (ties share a rank, the next rank is skipped), largest
-- first, and are NULL when the figure is NULL. Rows are ordered by rank_stars_gained_30d, then
-- rank_downloads_30d, then entity_key.

create or replace view lab_comparison as
with github_as_of as (
    select as_of from as_of_dates where source = 'github'
),

hf_as_of as (
    select as_of from as_of_dates where source = 'huggingface'
),

permissive as (
    select
        entity_key,
        (sum(downloads_30d) filter (where license_category = 'permissive'))::bigint as permissive_downloads_30d,
        sum(downloads_30d)::bigint as downloads_30d
    from license_mix
    group by entity_key
),

side_by_side as (
    select
        e.entity_key,
        e.name,
        e.region,
        e.kind,
        g.repos,
        g.stars,
        g.stars_gained_30d,
        g.growth_30d_pct,
        g.repos_counted,
        g.repos_uncounted_30d,
        g.basis_30d as github_basis,
        h.models,
        h.downloads_30d,
        h.derivative_models,
        round(coalesce(p.permissive_downloads_30d, 0) / nullif(p.downloads_30d, 0), 4) as permissive_share
    from entities e
    left join lab_growth g on g.entity_key = e.entity_key
    left join hf_lab_downloads h on h.entity_key = e.entity_key
    left join permissive p on p.entity_key = e.entity_key
),

ranked as (
    select
        *,
        case when stars_gained_30d is not null then
            rank() over (partition by stars_gained_30d is null order by stars_gained_30d desc)
        end as rank_stars_gained_30d,
        case when downloads_30d is not null then
            rank() over (partition by downloads_30d is null order by downloads_30d desc)
        end as rank_downloads_30d
    from side_by_side
)

select r.*, g.as_of as github_as_of, h.as_of as hf_as_of
from ranked r
cross join github_as_of g
cross join hf_as_of h
order by r.rank_stars_gained_30d nulls last, r.rank_downloads_30d nulls last, r.entity_key;

comment on view lab_comparison is 'The headline table, one row per entity: GitHub stars, 30-day gain and growth (lab_growth) beside Hub models, 30-day downloads, derivative models and permissive share of downloads, with ranks (rank(), largest first) and both as-of dates, ordered by rank_stars_gained_30d.';
