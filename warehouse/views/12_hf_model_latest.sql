-- hf_model_latest: each Hub model's values on the Hub as-of date: its snapshot of that day (observed) or
-- its latest one at most 3 days earlier (bridged). Models without a snapshot in those 4 days are left out
-- (deleted, renamed or no longer listed). downloads_30d is the Hub's rolling 30-day count on that day.

create or replace view hf_model_latest as
with as_of as (
    select as_of from as_of_dates where source = 'huggingface'
),

recent as (
    select s.*, row_number() over (partition by s.model_id order by s.snapshot_date desc) as newest
    from hf_model_snapshots s
    cross join as_of a
    where s.snapshot_date between a.as_of - 3 and a.as_of
)

select
    r.model_id,
    r.hub_id,
    r.author,
    r.downloads_30d,
    r.downloads_all_time,
    r.likes,
    r.license,
    r.license_name,
    r.children_count,
    r.gated,
    r.pipeline_tag,
    r.library_name,
    r.created_at,
    r.snapshot_date,
    case when r.snapshot_date = a.as_of then 'observed' else 'bridged' end as basis,
    a.as_of
from recent r
cross join as_of a
where r.newest = 1;

comment on view hf_model_latest is 'Each Hub model on the Hub as-of date: its snapshot of that day (observed) or its latest one at most 3 days earlier (bridged); models with no snapshot in those 4 days are left out.';
