-- hf_region_downloads: per region, the Hub models of its entities on the Hub as-of date, each model once per
-- region; share = the region's downloads_30d / the downloads_30d of all tracked models, each counted once
-- (shares can add up to more than 1 when a model's author belongs to entities of two regions).

create or replace view hf_region_downloads as
with as_of as (
    select as_of from as_of_dates where source = 'huggingface'
),

region_models as (
    select distinct e.region, m.model_id
    from entity_hf_authors a
    join entities e on e.entity_key = a.entity_key
    join hf_model_latest m on lower(m.author) = lower(a.author)
),

region_totals as (
    select
        rm.region,
        count(*) as models,
        sum(m.downloads_30d)::bigint as downloads_30d,
        sum(m.downloads_all_time)::bigint as downloads_all_time,
        sum(m.likes)::bigint as likes,
        sum(m.children_count)::bigint as derivative_models
    from region_models rm
    join hf_model_latest m on m.model_id = rm.model_id
    group by rm.region
),

all_regions as (
    select sum(m.downloads_30d)::bigint as downloads_30d
    from hf_model_latest m
    where m.model_id in (select model_id from region_models)
)

select
    t.region,
    t.models,
    t.downloads_30d,
    t.downloads_all_time,
    t.likes,
    t.derivative_models,
    round(t.downloads_30d / nullif(r.downloads_30d, 0), 4) as share,
    a.as_of
from region_totals t
cross join all_regions r
cross join as_of a
order by t.region;

comment on view hf_region_downloads is 'Per region: Hub models of its entities on the Hub as-of date (each model once per region), their rolling 30-day and all-time downloads, likes, derivative models, and share of the 30-day downloads of all tracked models counted once.';

comment on column hf_region_downloads.region is 'The region: CN, US, EU or other.';
comment on column hf_region_downloads.models is 'Models on the Hub as-of date whose author belongs to an entity of the region, each once.';
comment on column hf_region_downloads.downloads_30d is 'The Hub''s rolling 30-day downloads summed over the region''s models.';
comment on column hf_region_downloads.downloads_all_time is 'The Hub''s cumulative downloads (downloadsAllTime) summed over the region''s models.';
comment on column hf_region_downloads.likes is 'Likes summed over the region''s models.';
comment on column hf_region_downloads.derivative_models is 'Derivative models: childrenModelCount summed over the region''s models.';
comment on column hf_region_downloads.share is 'downloads_30d / the 30-day downloads of all tracked models, each counted once, 4 decimals. Shares add up to more than 1 when a model''s author belongs to entities of two regions.';
comment on column hf_region_downloads.as_of is 'The Hub as-of date: the newest snapshot_date in hf_model_snapshots (NULL before the first snapshot).';
