-- hf_lab_downloads: per entity with Hub authors, its models on the Hub as-of date (hf_model_latest: the
-- day's snapshot or one at most 3 days old). A model belongs to an entity when its author equals one of the
-- entity's hf authors, case-insensitively; a model of two entities counts in each.
-- downloads_30d is the Hub's rolling 30-day count; derivative_models adds up childrenModelCount.
-- Sums are NULL, not 0, when no model has a value.

create or replace view hf_lab_downloads as
with as_of as (
    select as_of from as_of_dates where source = 'huggingface'
),

entity_models as (
    select entity_key, model_id from hf_entity_models
),

entity_totals as (
    select
        em.entity_key,
        count(*) as models,
        sum(m.downloads_30d)::bigint as downloads_30d,
        sum(m.downloads_all_time)::bigint as downloads_all_time,
        sum(m.likes)::bigint as likes,
        sum(m.children_count)::bigint as derivative_models,
        count(*) filter (where m.basis = 'bridged') as models_bridged
    from entity_models em
    join hf_model_latest m on m.model_id = em.model_id
    group by em.entity_key
),

-- models of the entity seen in the 30 days before the as-of date but not on it (deleted on the Hub, renamed,
-- or their author's listing failed): not in the totals, and counted so the totals say so
entity_missing as (
    select ea.entity_key, count(distinct s.model_id) as models_missing
    from entity_hf_authors ea
    join hf_model_snapshots s on lower(s.author) = lower(ea.author)
    cross join as_of a
    where s.snapshot_date between a.as_of - 30 and a.as_of
      and s.model_id not in (select model_id from hf_model_latest)
    group by ea.entity_key
)

select
    e.entity_key,
    e.name,
    e.region,
    e.kind,
    coalesce(t.models, 0) as models,
    t.downloads_30d,
    t.downloads_all_time,
    t.likes,
    t.derivative_models,
    coalesce(t.models_bridged, 0) as models_bridged,
    coalesce(x.models_missing, 0) as models_missing,
    a.as_of
from entities e
cross join as_of a
left join entity_totals t on t.entity_key = e.entity_key
left join entity_missing x on x.entity_key = e.entity_key
where e.entity_key in (select entity_key from entity_hf_authors)
order by e.entity_key;

comment on view hf_lab_downloads is 'Per entity with Hub authors: its models (author matched case-insensitively) on the Hub as-of date, bridging snapshots up to 3 days old: model count, rolling 30-day and all-time downloads, likes and derivative models (sum of childrenModelCount); models_missing counts models seen in the 30 days before but not on the as-of date, which the totals leave out.';

comment on column hf_lab_downloads.entity_key is 'The entity''s key in config.toml ([[entity]] key).';
comment on column hf_lab_downloads.name is 'The entity''s display name (config.toml name).';
comment on column hf_lab_downloads.region is 'The entity''s region: CN, US, EU or other.';
comment on column hf_lab_downloads.kind is 'The entity''s kind: ai-lab, big-tech, community or foundation.';
comment on column hf_lab_downloads.models is 'The entity''s models on the Hub as-of date (hf_model_latest: author is one of its hf_authors, case-insensitive); 0 when none.';
comment on column hf_lab_downloads.downloads_30d is 'The Hub''s rolling 30-day downloads summed over the models; NULL when no model has a value.';
comment on column hf_lab_downloads.downloads_all_time is 'The Hub''s cumulative downloads (downloadsAllTime) summed over the models; NULL when no model has a value.';
comment on column hf_lab_downloads.likes is 'Likes summed over the models; NULL when no model has a value.';
comment on column hf_lab_downloads.derivative_models is 'Derivative models: the models'' childrenModelCount summed; NULL when no model has a value.';
comment on column hf_lab_downloads.models_bridged is 'How many of the models are valued from a snapshot 1 to 3 days before the as-of date.';
comment on column hf_lab_downloads.models_missing is 'Models of the entity''s authors seen in the 30 days up to the as-of date but with no snapshot in its last 4 days (deleted, renamed, or the listing failed): left out of the totals.';
comment on column hf_lab_downloads.as_of is 'The Hub as-of date: the newest snapshot_date in hf_model_snapshots (NULL before the first snapshot).';
