-- repo_star_gaps: the days without a snapshot between a repo's first snapshot and the GitHub as-of date.
--   bridged  the latest snapshot is at most 3 days earlier: its value is carried;
--   missing  it is more than 3 days earlier (stars NULL, never 0). A longer gap is bridged for its
--            first 3 days only; a repo that stopped being collected is missing from its 4th day on.
-- The days are found with one presence bitmap per repo and 64-day block rather than by sorting every
-- snapshot (x = days since 1970-01-01, block = x >> 6, bit = x & 63).

create or replace view repo_star_gaps as
with as_of as (
    select as_of, (as_of - date '1970-01-01')::integer as as_of_x
    from as_of_dates
    where source = 'github'
),

blocks as (   -- bit i of mask: a snapshot on day block * 64 + i
    select
        repo_id,
        (snapshot_date - date '1970-01-01')::integer >> 6 as block,
        bit_or(1::ubigint << ((snapshot_date - date '1970-01-01')::integer & 63)::ubigint) as mask,
        min(snapshot_date - date '1970-01-01')::integer as first_x
    from github_repo_snapshots
    group by all
),

first_snapshots as (
    select repo_id, min(first_x) as first_x
    from blocks
    group by repo_id
),

block_grid as (   -- every block from the first snapshot to the as-of date, with the previous block's bits
    select
        g.repo_id,
        g.block,
        greatest(g.first_x, g.block * 64) - g.block * 64 as lo,   -- the bits to look at: lo..hi
        least(g.as_of_x, g.block * 64 + 63) - g.block * 64 as hi,
        coalesce(b.mask, 0::ubigint) as mask,
        coalesce(lag(b.mask) over (partition by g.repo_id order by g.block), 0::ubigint) as prev_mask
    from (
        select f.repo_id, f.first_x, a.as_of_x, unnest(range(f.first_x >> 6, (a.as_of_x >> 6) + 1)) as block
        from first_snapshots f
        cross join as_of a
    ) g
    left join blocks b on b.repo_id = g.repo_id and b.block = g.block
),

gap_blocks as (   -- blocks with a day lacking a snapshot; bits 0-63: previous block, 64-127: this one
    select repo_id, block, lo, hi, mask, (mask::uhugeint << 64) | prev_mask::uhugeint as bits
    from block_grid
    where bit_count(mask) < hi - lo + 1
),

gap_bits as (
    select repo_id, block, mask, bits, unnest(range(lo, hi + 1)) as i
    from gap_blocks
),

gap_days as (   -- back: days back to the latest snapshot when it is at most 3 days earlier, else NULL
    select
        repo_id,
        date '1970-01-01' + (block * 64 + i)::integer as day,
        case
            when (bits >> (63 + i)::uhugeint) & 1 = 1 then 1
            when (bits >> (62 + i)::uhugeint) & 1 = 1 then 2
            when (bits >> (61 + i)::uhugeint) & 1 = 1 then 3
        end as back
    from gap_bits
    where (mask >> i::ubigint) & 1 = 0
),

labelled as (   -- a bridged day takes the value of the snapshot `back` days earlier
    select
        g.repo_id,
        g.day,
        s.stars,
        case when g.back is null then 'missing' else 'bridged' end as basis
    from gap_days g
    left join github_repo_snapshots s on s.repo_id = g.repo_id and s.snapshot_date = g.day - g.back
)

select l.repo_id, l.day, l.stars, l.basis, a.as_of
from labelled l
cross join as_of a;

comment on view repo_star_gaps is 'Days without a snapshot between a repo''s first snapshot and the GitHub as-of date: bridged (the value of the latest snapshot, when it is at most 3 days earlier) or missing (stars NULL).';

comment on column repo_star_gaps.repo_id is 'GitHub''s numeric repo id (stable across renames).';
comment on column repo_star_gaps.day is 'A UTC day without a snapshot of the repo, between its first snapshot and the GitHub as-of date.';
comment on column repo_star_gaps.stars is 'bridged: the stars of the latest snapshot (1 to 3 days earlier); missing: NULL, never 0.';
comment on column repo_star_gaps.basis is 'bridged (the latest snapshot is at most 3 days earlier) or missing (it is more than 3 days earlier).';
comment on column repo_star_gaps.as_of is 'The GitHub as-of date: the newest snapshot_date in github_repo_snapshots (NULL before the first snapshot).';
