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

comment on column hf_model_latest.model_id is 'The model''s author/name on the Hub.';
comment on column hf_model_latest.hub_id is 'The Hub''s _id of the model, stable across renames.';
comment on column hf_model_latest.author is 'The model''s author (the part before /), as the Hub spells it.';
comment on column hf_model_latest.downloads_30d is 'The Hub''s rolling 30-day download count on snapshot_date: not a daily figure, not cumulative.';
comment on column hf_model_latest.downloads_all_time is 'The Hub''s cumulative download count (downloadsAllTime) on snapshot_date.';
comment on column hf_model_latest.likes is 'The model''s likes on snapshot_date.';
comment on column hf_model_latest.license is 'The licence id from the model''s license: tag, else its card data, lower-cased; NULL when none is declared.';
comment on column hf_model_latest.license_name is 'The card''s license_name (given with licence other, e.g. deepseek-v3-licence).';
comment on column hf_model_latest.children_count is 'Derivative models (fine-tunes, quantizations, adapters, merges): the Hub''s childrenModelCount on snapshot_date.';
comment on column hf_model_latest.gated is 'The Hub''s access gate: false, auto or manual.';
comment on column hf_model_latest.pipeline_tag is 'The Hub''s pipeline_tag (the task, e.g. text-generation).';
comment on column hf_model_latest.library_name is 'The Hub''s library_name (e.g. transformers).';
comment on column hf_model_latest.created_at is 'When the model was created on the Hub (UTC).';
comment on column hf_model_latest.snapshot_date is 'The UTC day of the snapshot used: the as-of date, or at most 3 days earlier.';
comment on column hf_model_latest.basis is 'observed (snapshot_date is the as-of date) or bridged (a snapshot 1 to 3 days older).';
comment on column hf_model_latest.as_of is 'The Hub as-of date: the newest snapshot_date in hf_model_snapshots (NULL before the first snapshot).';
