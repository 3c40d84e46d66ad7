-- as_of_dates: the date every view reports on, per source.
-- GitHub views use the newest snapshot_date in github_repo_snapshots, Hub views the newest in
-- hf_model_snapshots; a source with no snapshot yet has a NULL as_of.

create or replace view as_of_dates as
with github as (
    select 'github' as source, max(snapshot_date) as as_of
    from github_repo_snapshots
),

huggingface as (
    select 'huggingface' as source, max(snapshot_date) as as_of
    from hf_model_snapshots
)

select * from github
union all
select * from huggingface;

comment on view as_of_dates is 'One row per source (github, huggingface): as_of is the newest snapshot_date of that source, the day every GitHub or Hub view reports on.';

comment on column as_of_dates.source is 'The source: github or huggingface.';
comment on column as_of_dates.as_of is 'The newest snapshot_date of the source (github_repo_snapshots, hf_model_snapshots): the day every view of that source reports on; NULL when the source has no snapshot yet.';
