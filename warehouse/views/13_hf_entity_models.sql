-- hf_entity_models: which entity each Hub model of the as-of date belongs to. A model belongs to an entity
-- when its author equals one of the entity's hf_authors, case-insensitively; a model of two entities is in
-- both. The Hub views (hf_lab_downloads, license_mix) start from it.

create or replace view hf_entity_models as
with matched as (
    select distinct a.entity_key, m.model_id
    from entity_hf_authors a
    join hf_model_latest m on lower(m.author) = lower(a.author)
)

select * from matched;

comment on view hf_entity_models is 'Each Hub model on the Hub as-of date (hf_model_latest) with the entity it belongs to: its author is one of the entity''s hf_authors, compared case-insensitively; a model of two entities is listed under both.';

comment on column hf_entity_models.entity_key is 'The key of an entity one of whose hf_authors is the model''s author (case-insensitive).';
comment on column hf_entity_models.model_id is 'A model of hf_model_latest (author/name).';
