-- license_mix: per entity and licence, the entity's Hub models on the Hub as-of date (hf_model_latest).
-- license: the card's license_name when the licence is 'other' and a name is given, else the licence id,
-- else 'unknown'; lower-cased and trimmed so one licence is one row. license_category comes from
-- license_categories (matched case-insensitively); a declared licence without a row there is 'other'
-- (declared but not classified), a model declaring none is 'unknown'.
-- share_of_downloads = the licence's downloads_30d / the entity's downloads_30d (0..1, 4 decimals).

create or replace view license_mix as
with as_of as (
    select as_of from as_of_dates where source = 'huggingface'
),

entity_models as (
    select entity_key, model_id from hf_entity_models
),

labelled as (
    select
        em.entity_key,
        m.model_id,
        m.downloads_30d,
        case
            when lower(trim(m.license)) = 'other' and nullif(trim(m.license_name), '') is not null
                then lower(trim(m.license_name))
            else coalesce(lower(nullif(trim(m.license), '')), 'unknown')
        end as license
    from entity_models em
    join hf_model_latest m on m.model_id = em.model_id
),

per_license as (
    select
        l.entity_key,
        l.license,
        coalesce(any_value(c.category), case when l.license = 'unknown' then 'unknown' else 'other' end)
            as license_category,
        count(*) as models,
        sum(l.downloads_30d)::bigint as downloads_30d
    from labelled l
    left join license_categories c on lower(c.license) = l.license
    group by l.entity_key, l.license
)

select
    p.entity_key,
    p.license,
    p.license_category,
    p.models,
    p.downloads_30d,
    round(p.downloads_30d / nullif(sum(p.downloads_30d) over (partition by p.entity_key), 0), 4)
        as share_of_downloads,
    a.as_of
from per_license p
cross join as_of a
order by p.entity_key, p.downloads_30d desc nulls last, p.license;

comment on view license_mix is 'Per entity and licence on the Hub as-of date: license is the card license_name for other (when given), else the licence id, else unknown (lower-cased); license_category from license_categories (other for a declared licence without a row, unknown when none is declared); models, 30-day downloads and their share within the entity.';

comment on column license_mix.entity_key is 'The entity''s key in config.toml ([[entity]] key).';
comment on column license_mix.license is 'The card''s license_name when the licence is other and a name is given, else the licence id, else unknown; lower-cased and trimmed.';
comment on column license_mix.license_category is 'From license_categories (case-insensitive): permissive, open-weights-restricted, other or unknown; a declared licence without a row there is other, no licence declared is unknown.';
comment on column license_mix.models is 'The entity''s models on the Hub as-of date under this licence.';
comment on column license_mix.downloads_30d is 'The Hub''s rolling 30-day downloads of those models, summed.';
comment on column license_mix.share_of_downloads is 'downloads_30d / the entity''s downloads_30d over all its licences (0..1, 4 decimals); NULL when the entity has none.';
comment on column license_mix.as_of is 'The Hub as-of date: the newest snapshot_date in hf_model_snapshots (NULL before the first snapshot).';
