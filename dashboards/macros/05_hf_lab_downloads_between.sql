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
with bounds as (
    select from_day::date as from_day, to_day::date as to_day
),

models as (   -- every model seen in the window, its author and creation day (as last seen by then)
    select
        s.model_id,
        arg_max(s.author, s.snapshot_date) as author,
        (arg_max(s.created_at, s.snapshot_date) at time zone 'UTC')::date as created_day
    from hf_model_snapshots s
    cross join bounds b
    where s.snapshot_date between b.from_day - 3 and b.to_day
    group by s.model_id
),

entity_models as (
    select distinct a.entity_key, m.model_id, m.created_day
    from entity_hf_authors a
    join models m on lower(m.author) = lower(a.author)
),

ends as (
    select m.model_id, m.created_day, b.from_day as day from models m cross join bounds b
    union
    select m.model_id, m.created_day, b.to_day as day from models m cross join bounds b
),

hits as (   -- the snapshot of the day or the latest one at most 3 days earlier
    select
        e.model_id,
        e.day,
        arg_min(s.downloads_all_time, k.back) as downloads_all_time,
        min(k.back) as back
    from ends e
    cross join (values (0), (1), (2), (3)) k(back)
    join hf_model_snapshots s on s.model_id = e.model_id and s.snapshot_date = e.day - k.back
    group by e.model_id, e.day
),

valued as (
    select
        e.model_id,
        e.day,
        case
            when h.back is not null then h.downloads_all_time
            when e.created_day > e.day then 0
        end as downloads_all_time,
        case
            when h.back = 0 then 'observed'
            when h.back > 0 then 'bridged'
            when e.created_day > e.day then 'not created'
            else 'missing'
        end as basis
    from ends e
    left join hits h on h.model_id = e.model_id and h.day = e.day
),

model_gains as (
    select
        m.entity_key,
        m.model_id,
        l.downloads_all_time as downloads_to,
        f.downloads_all_time as downloads_from,
        l.downloads_all_time - f.downloads_all_time as gained,
        'bridged' in (f.basis, l.basis) as bridged
    from entity_models m
    cross join bounds b
    join valued f on f.model_id = m.model_id and f.day = b.from_day
    join valued l on l.model_id = m.model_id and l.day = b.to_day
),

entity_totals as (
    select
        entity_key,
        count(*) as models,
        sum(downloads_to)::bigint as downloads_all_time,
        sum(gained)::bigint as downloads_gained,
        (sum(downloads_from) filter (where gained is not null))::bigint as downloads_from_counted,
        count(gained) as models_counted,
        count(*) filter (where gained is not null and bridged) as models_bridged
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
    b.from_day,
    b.to_day
from entities e
cross join bounds b
left join entity_totals t on t.entity_key = e.entity_key
where e.entity_key in (select entity_key from entity_hf_authors)
order by e.entity_key;

comment on macro table hf_lab_downloads_between is 'Table macro hf_lab_downloads_between(from_day, to_day): per entity with Hub authors, downloads_gained = downloads_all_time(to_day) - downloads_all_time(from_day) over its models seen in the window with both ends (snapshot of the day or at most 3 days earlier, 0 before creation; models_counted, models_uncounted), downloads_all_time on to_day, growth_pct and basis.';
