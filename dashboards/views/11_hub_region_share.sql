-- hub_region_share: the Hub's rolling 30-day downloads per region on every Hub snapshot day, and its share.
-- A model is tracked by a region when its author is one of the hf_authors of an entity of the region,
-- case-insensitively (the rule of hf_entity_models); it counts once per region however many of the region's
-- entities list its author, and once in the all-regions total that share divides by (so shares can add up
-- to more than 1 when an author belongs to entities of two regions, as in hf_region_downloads).
-- Days: every distinct snapshot_date of hf_model_snapshots (the first Hub snapshot to the Hub as-of date).
-- A model's value on day D follows the Hub gap rule of hf_model_latest, on every day: its snapshot of D, or
-- its latest one at most 3 days earlier (bridged); else it has no value that day and is not counted (NULL,
-- never 0). A snapshot with NULL downloads_30d is no value either.
-- downloads_30d (and share, basis) is NULL on a day when none of the region's models has a value.
-- basis: 'imported' when any added value comes from an imported row (origin imported:<file>), else
-- 'observed' (bridged values count as observed; models_bridged shows how many).

create or replace view hub_region_share as
with as_of as (
    select as_of from as_of_dates where source = 'huggingface'
),

region_authors as (   -- each (author, region) once, compared lower-case
    select distinct lower(a.author) as author, e.region
    from entity_hf_authors a
    join entities e on e.entity_key = a.entity_key
),

snapshot_days as (
    select distinct snapshot_date as day from hf_model_snapshots
),

tracked as (   -- snapshots of tracked models
    select
        s.model_id,
        lower(s.author) as author,
        s.snapshot_date,
        s.downloads_30d,
        starts_with(s.origin, 'imported:') as imported
    from hf_model_snapshots s
    where lower(s.author) in (select author from region_authors)
),

observed_days as (   -- the models with a snapshot on the day, per author
    select
        author,
        snapshot_date as day,
        sum(downloads_30d)::bigint as downloads_30d,
        count(*) as models_counted,
        0 as models_bridged,
        bool_or(imported) as imported
    from tracked
    where downloads_30d is not null
    group by author, snapshot_date
),

gap_starts as (   -- snapshots with none of the model the next day: the model may be bridged on the days after
    select t.*
    from tracked t
    anti join hf_model_snapshots n on n.model_id = t.model_id and n.snapshot_date = t.snapshot_date + 1
),

gap_ends as (   -- the model's next snapshot, when it comes 2 or 3 days after the gap start
    select g.model_id, g.snapshot_date, min(n.snapshot_date) as next_date
    from gap_starts g
    cross join (values (2), (3)) a(ahead)
    join hf_model_snapshots n on n.model_id = g.model_id and n.snapshot_date = g.snapshot_date + a.ahead
    group by g.model_id, g.snapshot_date
),

bridged_days as (   -- snapshot days 1 to 3 days after a gap start and before the model's next snapshot
    select
        g.author,
        d.day,
        sum(g.downloads_30d)::bigint as downloads_30d,
        count(*) as models_counted,
        count(*) as models_bridged,
        bool_or(g.imported) as imported
    from gap_starts g
    cross join (values (1), (2), (3)) b(back)
    join snapshot_days d on d.day = g.snapshot_date + b.back
    left join gap_ends e on e.model_id = g.model_id and e.snapshot_date = g.snapshot_date
    where g.downloads_30d is not null and (e.next_date is null or d.day < e.next_date)
    group by g.author, d.day
),

author_days as (   -- each model once a day: it has one author and one value (observed or bridged)
    select
        author,
        day,
        sum(downloads_30d)::bigint as downloads_30d,
        sum(models_counted)::bigint as models_counted,
        sum(models_bridged)::bigint as models_bridged,
        bool_or(imported) as imported
    from (select * from observed_days union all select * from bridged_days)
    group by author, day
),

region_days as (
    select
        r.region,
        a.day,
        sum(a.downloads_30d)::bigint as downloads_30d,
        sum(a.models_counted)::bigint as models_counted,
        sum(a.models_bridged)::bigint as models_bridged,
        bool_or(a.imported) as imported
    from author_days a
    join region_authors r on r.author = a.author
    group by r.region, a.day
),

all_days as (   -- every tracked model once
    select day, sum(downloads_30d)::bigint as downloads_30d
    from author_days
    group by day
),

calendar as (   -- every region with a tracked model on some day, times every snapshot day
    select r.region, d.day
    from (select distinct region from region_days) r
    cross join snapshot_days d
)

select
    c.region,
    c.day,
    t.downloads_30d,
    coalesce(t.models_counted, 0) as models_counted,
    coalesce(t.models_bridged, 0) as models_bridged,
    round(t.downloads_30d / nullif(a.downloads_30d, 0), 4) as share,
    case when t.imported then 'imported' when t.models_counted > 0 then 'observed' end as basis,
    o.as_of
from calendar c
cross join as_of o
left join region_days t on t.region = c.region and t.day = c.day
left join all_days a on a.day = c.day
order by c.day, c.region;

comment on view hub_region_share is 'Per region per Hub snapshot day: the Hub''s rolling 30-day downloads summed over the region''s tracked models (author among its entities'' hf_authors, each model once per region), each valued by its snapshot of the day or the latest at most 3 days earlier, and their share of all tracked models'' downloads that day (each model once).';

comment on column hub_region_share.region is 'The region: CN, US, EU or other (regions with a tracked Hub model on some day).';
comment on column hub_region_share.day is 'A Hub snapshot day: a distinct snapshot_date of hf_model_snapshots, from the first to the Hub as-of date.';
comment on column hub_region_share.downloads_30d is 'The Hub''s rolling 30-day downloads summed over the region''s models with a value that day (its snapshot of the day or the latest at most 3 days earlier), each model once; NULL (never 0) when none has one.';
comment on column hub_region_share.models_counted is 'How many of the region''s models are added up in downloads_30d that day.';
comment on column hub_region_share.models_bridged is 'How many of them took a snapshot 1 to 3 days older than the day.';
comment on column hub_region_share.share is 'downloads_30d / the 30-day downloads of all tracked models with a value that day, each counted once, 4 decimals; NULL when downloads_30d is NULL. Shares add up to more than 1 when an author belongs to entities of two regions.';
comment on column hub_region_share.basis is 'imported when any added value comes from an imported row (openwave import), else observed (bridged values count as observed); NULL when no model was counted.';
comment on column hub_region_share.as_of is 'The Hub as-of date: the newest snapshot_date in hf_model_snapshots (NULL before the first snapshot).';
