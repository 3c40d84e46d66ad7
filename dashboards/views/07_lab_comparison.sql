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

comment on column lab_comparison.entity_key is 'The entity''s key in config.toml ([[entity]] key).';
comment on column lab_comparison.name is 'The entity''s display name (config.toml name).';
comment on column lab_comparison.region is 'The entity''s region: CN, US, EU or other.';
comment on column lab_comparison.kind is 'The entity''s kind: ai-lab, big-tech, community or foundation.';
comment on column lab_comparison.repos is 'The entity''s tracked repos (lab_growth.repos).';
comment on column lab_comparison.stars is 'Stars on the GitHub as-of date over the entity''s repos with a value (lab_growth.stars).';
comment on column lab_comparison.stars_gained_30d is '30-day star gain over the repos with both ends (lab_growth.stars_gained_30d).';
comment on column lab_comparison.growth_30d_pct is 'lab_growth.growth_30d_pct: 100 x the 30-day gain / the counted repos'' stars 30 days earlier, 1 decimal.';
comment on column lab_comparison.repos_counted is 'Repos counted in the 30-day gain (lab_growth.repos_counted).';
comment on column lab_comparison.repos_uncounted_30d is 'Repos left out of the 30-day gain for a missing end (lab_growth.repos_uncounted_30d).';
comment on column lab_comparison.github_basis is 'lab_growth.basis_30d: includes reconstructed or observed; NULL when no repo was counted.';
comment on column lab_comparison.models is 'The entity''s Hub models on the Hub as-of date (hf_lab_downloads.models); NULL for an entity without Hub authors.';
comment on column lab_comparison.downloads_30d is 'The Hub''s rolling 30-day downloads of those models (hf_lab_downloads.downloads_30d).';
comment on column lab_comparison.derivative_models is 'Sum of the models'' childrenModelCount (hf_lab_downloads.derivative_models).';
comment on column lab_comparison.permissive_share is '30-day downloads of models whose license_category is permissive / all the entity''s 30-day downloads (license_mix), 0..1, 4 decimals; NULL when it has none.';
comment on column lab_comparison.rank_stars_gained_30d is 'rank() by stars_gained_30d, largest first (ties share a rank, the next is skipped); NULL when stars_gained_30d is NULL.';
comment on column lab_comparison.rank_downloads_30d is 'rank() by downloads_30d, largest first (ties share a rank, the next is skipped); NULL when downloads_30d is NULL.';
comment on column lab_comparison.github_as_of is 'The GitHub as-of date: the newest snapshot_date in github_repo_snapshots (NULL before the first snapshot).';
comment on column lab_comparison.hf_as_of is 'The Hub as-of date: the newest snapshot_date in hf_model_snapshots (NULL before the first snapshot).';
