-- hf_lab_downloads_between(from_day, to_day): per entity with Hub authors, the all-time downloads its
-- models gained from from_day to to_day: downloads_all_time(to_day) - downloads_all_time(from_day).
-- A model belongs to an entity when its author equals one of the entity's hf_authors, case-insensitively
-- (a model of two entities counts in each); the models are those with a snapshot between from_day - 3 and
-- to_day. A model's value on a day is its snapshot of that day (observed) or its latest one at most 3 days
-- earlier (bridged); before its creation day (created_at, UTC) it is 0 ('not created'); otherwise NULL,
-- never 0. The gain adds up only the models with both ends (models_counted; the others models_uncounted);
-- growth_pct is over the counted models' all-time downloads on from_day; basis is 'observed' (the Hub has
-- no download history) or NULL when no model was counted.

create or replace macro hf_lab_downloads_between(from_day, to_day) as table
with model_gains as (
    select distinct a.entity_key, m.*
    from entity_hf_authors a
    join hf_model_downloads_between(from_day, to_day) m on lower(m.author) = lower(a.author)
),

entity_totals as (
    select
        entity_key,
        count(*) as models,
        sum(downloads_to)::bigint as downloads_all_time,
        sum(downloads_gained)::bigint as downloads_gained,
        (sum(downloads_from) filter (where downloads_gained is not null))::bigint as downloads_from_counted,
        count(downloads_gained) as models_counted,
        count(*) filter (where bridged) as models_bridged
    from model_gains
    group by entity_key
)

select
    e.entity_key,
    e.name,
    e.region,
    e.kind,
    coalesce(t.models, 0) as models,
    t.downloads_all_time,
    t.downloads_gained,
    round(100.0 * t.downloads_gained / nullif(t.downloads_from_counted, 0), 1) as growth_pct,
    coalesce(t.models_counted, 0) as models_counted,
    coalesce(t.models - t.models_counted, 0) as models_uncounted,
    coalesce(t.models_bridged, 0) as models_bridged,
    case when t.models_counted > 0 then 'observed' end as basis,
    from_day::date as from_day,
    to_day::date as to_day
from entities e
left join entity_totals t on t.entity_key = e.entity_key
where e.entity_key in (select entity_key from entity_hf_authors)
order by e.entity_key;

comment on macro table hf_lab_downloads_between is 'Table macro hf_lab_downloads_between(from_day, to_day): per entity with Hub authors, downloads_gained = downloads_all_time(to_day) - downloads_all_time(from_day) over its models seen in the window with both ends (hf_model_downloads_between; models_counted, models_uncounted), downloads_all_time on to_day, growth_pct and basis.';
