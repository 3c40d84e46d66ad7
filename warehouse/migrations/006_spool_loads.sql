-- 006: the spooled load batches already loaded (warehouse/spool.py). A batch written to `<db>.pending/` while
-- another process held the file is loaded in one transaction that also records its name here, so a batch is
-- loaded once even when the process dies before it removes the batch's folder.

create table spool_loads (
    name       varchar primary key,
    run_id     bigint,
    loaded_at  timestamptz not null
);
